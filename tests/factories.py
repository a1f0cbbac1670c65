"""Factories for test data. Most tests build their world through the real services (conftest.py);
these make volume where a query bound needs it."""

from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model

from butler.models import Butler, ServicePeriod
from companies.credit_code import ALPHABET, with_check_character
from companies.models import Company, Contact


def credit_code(n: int, region: str = "330206") -> str:
    """The n-th valid test credit code: 91 + region + MA + 7 characters + check character."""
    chars = []
    for _ in range(7):
        n, digit = divmod(n, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return with_check_character(f"91{region}MA{''.join(reversed(chars))}")


def mobile(n: int) -> str:
    return f"139{n:08d}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery")


class ButlerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Butler

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"管家{n}")
    window = "北仑区行政服务中心交通窗口 3号"
    office_phone = "0574-86861234"
    mobile = factory.Sequence(lambda n: mobile(50_000 + n))


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"宁波北仑测试{n}物流有限公司")
    credit_code = factory.Sequence(lambda n: credit_code(10_000 + n))
    registered_on = date(2026, 1, 5)
    address = "宁波市北仑区新碶街道明州路188号"
    legal_representative = "张三"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    mobile = factory.Sequence(lambda n: mobile(n))
    is_primary = True


class ServicePeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePeriod

    company = factory.SubFactory(CompanyFactory)
    butler = factory.SubFactory(ButlerFactory)
    start_date = date(2026, 11, 1)
    end_date = factory.LazyAttribute(lambda o: o.start_date + timedelta(days=180))
    card_number = factory.Sequence(lambda n: f"BL-T-{n:06d}")
