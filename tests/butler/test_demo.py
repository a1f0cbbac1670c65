"""The demo data: loaded once, valid throughout, every state present, logins work."""

from datetime import date, datetime, time, timedelta

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from butler.demo import DEMO_PASSWORD, load_demo
from butler.models import ServicePeriod
from companies.credit_code import validate_credit_code
from companies.models import Company, Contact
from companies.phones import validate_mobile

TODAY = date(2026, 3, 4)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module (it takes seconds) and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        counts = load_demo(today=TODAY)
        yield counts
        transaction.set_rollback(True)


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _history_models() -> list:
    return [model for model in apps.get_models() if any(f.name == "history_date" for f in model._meta.fields)]


@pytest.mark.django_db
def test_second_load_creates_nothing(demo):
    before = _row_counts()

    second = load_demo(today=TODAY)

    assert demo["companies"] == 120
    assert demo["butlers"] == 5
    assert not any(second.values())
    assert _row_counts() == before


@pytest.mark.django_db
def test_demo_credit_codes_and_mobiles_are_valid(demo):
    codes = list(Company.objects.values_list("credit_code", flat=True))
    for code in codes:
        validate_credit_code(code)
    mobiles = list(Contact.objects.values_list("mobile", flat=True))
    for mobile in mobiles:
        validate_mobile(mobile)

    assert len(codes) == 120
    assert len(set(mobiles)) == len(mobiles)


@pytest.mark.django_db
def test_demo_has_periods_in_every_status_and_one_active_at_most(demo):
    statuses = set(ServicePeriod.objects.values_list("status", flat=True))
    active = ServicePeriod.objects.active()
    soon, later = TODAY + timedelta(days=14), TODAY + timedelta(days=30)

    assert statuses == set(ServicePeriod.Status.values)
    for company in Company.objects.all():
        assert company.service_periods.filter(status=ServicePeriod.Status.ACTIVE).count() <= 1
    assert active.filter(end_date__lte=soon).exists()
    assert active.filter(end_date__gt=soon, end_date__lte=later).exists()
    assert not active.filter(end_date__lte=TODAY).exists()
    assert Company.objects.filter(service_periods__isnull=True).count() == 8


@pytest.mark.django_db
def test_demo_history_is_dated_on_the_simulated_days(demo):
    company = Company.objects.order_by("registered_on").first()
    first_record = company.history.earliest("history_date")
    period = company.service_periods.earliest("start_date")
    end_of_today = timezone.make_aware(datetime.combine(TODAY, time.max))

    for each in Company.objects.all():
        assert timezone.localtime(each.created_at).date() == each.registered_on
    assert timezone.localtime(first_record.history_date).date() == company.registered_on
    assert first_record.history_user is not None
    assert period.card_number.startswith(f"BL-{period.start_date.year}-")
    assert (
        timezone.localtime(period.history.earliest("history_date").history_date).date() == period.start_date
    )
    for model in _history_models():
        assert not model.objects.filter(history_date__gt=end_of_today).exists(), model


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["manager", "butler1", "company001"])
def test_demo_logins_authenticate(demo, username):
    assert authenticate(username=username, password=DEMO_PASSWORD) is not None


@pytest.mark.django_db
def test_demo_company_contact_signs_in_with_mobile(demo):
    contact = Contact.objects.select_related("user").get(user__username="company001")

    user = authenticate(username=contact.mobile, password=DEMO_PASSWORD)

    assert user == contact.user
