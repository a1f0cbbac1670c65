"""What ``seed_volume`` refuses: a database that is not empty, and on the embedded SQLite every size but the
district's — with a clear error, writing nothing."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, connections

from companies.models import Company
from companies.services import company_register
from tests.conftest import registration

pytestmark = pytest.mark.django_db
COMPANIES = 300


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_volume", *args, stdout=out)
    return out.getvalue()


def test_without_postgresql_every_size_but_the_district_is_refused_and_nothing_is_written(monkeypatch):
    if connection.vendor == "postgresql":  # the same check, as the embedded SQLite meets it
        monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    refusal = r"needs PostgreSQL \(this database is sqlite\); use --scale district"
    for args in (["--scale", "city"], ["--scale", "province"], ["--companies", str(COMPANIES)]):
        with pytest.raises(CommandError, match=refusal):
            _seed(*args)
    assert not Company.objects.exists()
    assert not get_user_model().objects.exists()


def test_refuses_a_database_that_holds_a_company_and_writes_nothing():
    manager = get_user_model().objects.create_user("someone")
    company_register(actor=manager, registration=registration(7))
    users = get_user_model().objects.count()
    for args in (["--companies", "5"], ["--scale", "city"], ["--scale", "district"]):
        with pytest.raises(CommandError, match="Nothing written: the database holds 1 company already"):
            _seed(*args)
    assert Company.objects.count() == 1
    assert get_user_model().objects.count() == users
