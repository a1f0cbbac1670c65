"""Shared test world: a manager, two butlers and two companies, each with a portal contact.

Everything is built through the product's own services, as a user would build it.
"""

import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from butler.firstvisit.services import first_visit_accept
from butler.licences.services import licence_step
from butler.models import Butler, ReminderRule, ServicePeriod
from butler.security import roles
from butler.service.rule_defaults import seed_reminder_rules
from butler.service.services import butler_create
from companies.business_types import seed_business_types
from companies.catalogue_seed import correct_catalogue, scope_catalogue, seed_catalogue, seed_obligations
from companies.models import (
    BusinessScope,
    BusinessType,
    Cadence,
    Company,
    CompanyLicence,
    Contact,
    LicenceMaterial,
    LicenceStatus,
    LicenceType,
    ObligationType,
)
from companies.services import Registration, company_register
from tests.factories import credit_code, mobile

pytest_plugins = ["tests.clock"]  # BUTLER_TEST_NOW moves the run; see tests/clock.py

PASSWORD = "correct-horse-battery"
# The world's clock: a Monday morning at the window, Beijing time. Time moves on from there.
NOW = datetime(2026, 11, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def make_user(username: str, *role_names: str, **extra):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    for role in role_names:
        roles.add_role(user, role)
    return user


def make_butler(username: str, name: str, *, active: bool = True) -> Butler:
    user = make_user(username, email=f"{username}@window.example")
    butler = butler_create(
        actor=None,
        user=user,
        display_name=name,
        window="北仑区行政服务中心交通窗口 3号",
        office_phone="0574-86861234",
        mobile=mobile(90_000 + user.pk),
    )
    if not active:
        butler.active = False
        butler.save()
    return butler


def registration(n: int, *, name: str | None = None, email: str = "", **overrides) -> Registration:
    seed_business_types(BusinessType)  # transactional tests flush the migrations' rows
    seed_catalogue(LicenceType, LicenceMaterial, BusinessType)
    correct_catalogue(LicenceType, LicenceMaterial, BusinessType)
    scope_catalogue(LicenceType, BusinessScope)
    seed_obligations(ObligationType, Cadence, BusinessType)
    seed_reminder_rules(ReminderRule)
    fields = {
        "name": name or f"宁波北仑顺达{n}物流有限公司",
        "credit_code": credit_code(n),
        "registered_on": date(2026, 10, 1),
        "district": "330206",
        "address": "宁波市北仑区新碶街道明州路188号",
        "legal_representative": "李四",
        "business_types": list(BusinessType.objects.filter(code="road_freight")),
        "contact_name": f"王{n}",
        "contact_mobile": mobile(n),
        "contact_email": email,
    }
    fields.update(overrides)
    return Registration(**fields)


def register(actor, n: int, *, name: str | None = None, email: str = "") -> Company:
    return company_register(actor=actor, registration=registration(n, name=name, email=email)).company


def issue_road_freight_licence(world, *, certificate_number: str = "A-1"):
    """Company A's road freight licence applied for and issued on the world's first day, through the services:
    the renewal it must apply for (by 2030-10-02) is reminded from then on."""
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    licence_step(actor=world.butler_a.user, licence=licence, to=LicenceStatus.APPLIED, on=date(2026, 11, 2))
    return licence_step(
        actor=world.butler_a.user,
        licence=licence,
        to=LicenceStatus.ISSUED,
        on=date(2026, 11, 2),
        certificate_number=certificate_number,
    )


def give_portal_account(contact: Contact, username: str):
    user = make_user(username, roles.COMPANY, email=contact.email)
    contact.user = user
    contact.save(update_fields=["user"])
    return user


@dataclass
class World:
    manager: object
    butler_a: Butler
    butler_b: Butler
    company_a: Company
    company_b: Company
    period_a: ServicePeriod
    period_b: ServicePeriod
    contact_a: object
    contact_b: object
    outsider: object


@pytest.fixture
def frozen_clock():
    with time_machine.travel(NOW, tick=True):
        yield NOW


@pytest.fixture
def world(db, frozen_clock) -> World:
    return build_world()


@contextmanager
def rolled_back_after(django_db_blocker):
    """One transaction around a module's tests, rolled back at the end: for a world built once per module.

    Open it in a module-scoped fixture, build the world inside it, and give the tests ``db``: each test then
    runs in a savepoint of its own inside this transaction, rolled back after it, so every test meets the
    world as it was built and the module pays for building it once.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def built_once_per_module(build):
    """A module-scoped fixture: the world ``build()`` makes, once for the module, rolled back after it.

    It is built five minutes before the world's clock, so that what each test does (with ``db`` and
    ``frozen_clock``, which give it a savepoint of its own and the clock at NOW) comes after it.
    """

    @pytest.fixture(scope="module")
    def fixture(django_db_setup, django_db_blocker):
        with rolled_back_after(django_db_blocker):
            with django_db_blocker.unblock(), time_machine.travel(NOW - timedelta(minutes=5), tick=True):
                world = build()
            yield world

    return fixture


def build_world() -> World:
    """The shared world, for fixtures of any scope (the database must be open and the clock frozen)."""
    manager = make_user("manager", roles.MANAGER, email="manager@window.example")
    butler_a = make_butler("butler_a", "王丽娜")
    butler_b = make_butler("butler_b", "张伟")
    company_a = register(butler_a.user, 1, email="a@company-a.example")
    company_b = register(butler_b.user, 2)
    period_a = first_visit_accept(actor=butler_a.user, company_id=company_a.pk).period
    period_b = first_visit_accept(actor=butler_b.user, company_id=company_b.pk).period
    contact_a = give_portal_account(company_a.contacts.get(), "contact_a")
    contact_b = give_portal_account(company_b.contacts.get(), "contact_b")
    outsider = make_user("outsider")
    return World(
        manager, butler_a, butler_b, company_a, company_b, period_a, period_b, contact_a, contact_b, outsider
    )


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the window's language: a page asked for in English leaves the language of its
    thread active, which must not carry over to the next test."""
    translation.deactivate()
    yield
    translation.deactivate()


# --- abuse limits (butler/security/limits.py) -------------------------------------------------------------
@pytest.fixture(autouse=True)
def fresh_abuse_limits():
    """Each test counts its abuse limits afresh: the counters are kept under a key prefix of its own.

    The same as emptying the cache between tests, but safe when the cache is a Redis that parallel test
    processes share (emptying it would wipe theirs too); the old counters expire with their window.
    """
    with override_settings(RATELIMIT_CACHE_PREFIX=f"rl:{uuid.uuid4().hex}:"):
        yield
