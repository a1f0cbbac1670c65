"""The hourly reconcile at scale: companies changed since the last run first, then the register slice by
slice from where the last run stopped, each run inside its time limit."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache

from butler import tasks
from butler.service.planning import reminders_reconcile_changed, reminders_reconcile_slice
from companies.models import CompanyLicence
from reminders.models import Reminder
from tests.conftest import NOW


@pytest.fixture
def behind_the_back(world):
    """Each company's freight licence gets a new deadline without the services (no reminders planned)."""
    licences = {}
    for company in (world.company_a, world.company_b):
        licence = CompanyLicence.objects.get(company=company, licence_type__code="road_freight_licence")
        CompanyLicence.objects.filter(pk=licence.pk).update(obtain_by=date(2026, 12, 15))
        licences[company.pk] = licence
    return licences


def _planned_for(licence) -> set:
    return set(
        Reminder.objects.filter(
            subject=f"licence:{licence.pk}", status="pending", kind="obtain_by"
        ).values_list("due_on", flat=True)
    )


def test_a_slice_walks_on_from_where_the_last_one_stopped(world, behind_the_back):
    first, second = sorted(behind_the_back)
    walked = reminders_reconcile_slice(after_id=first, seconds=60)
    assert (walked.companies, walked.last_id, walked.finished) == (1, second, True)
    assert _planned_for(behind_the_back[second]) == {date(2026, 12, 15)}
    assert date(2026, 12, 15) not in _planned_for(behind_the_back[first])  # before the cursor: next round


def test_a_slice_out_of_time_stops_and_says_where(world, behind_the_back):
    walked = reminders_reconcile_slice(after_id=0, seconds=0)
    assert (walked.companies, walked.last_id, walked.finished) == (0, None, False)


def test_a_licence_saved_in_the_admin_is_replanned_within_the_hour(world, behind_the_back):
    CompanyLicence.objects.update(updated_at=NOW - timedelta(hours=2))  # an hour before the last run
    since = NOW - timedelta(hours=1)
    licence = behind_the_back[world.company_a.pk]
    licence.refresh_from_db()
    licence.save()  # as the admin saves it: updated_at moves
    changed = reminders_reconcile_changed(since=since)
    assert changed.companies == 1
    assert _planned_for(licence) == {date(2026, 12, 15)}


def test_the_hourly_task_walks_the_register_and_starts_again(world, behind_the_back):
    cache.delete_many([tasks.RECONCILE_CURSOR, tasks.RECONCILE_SINCE])
    result = tasks.reconcile_reminders()
    assert result["finished"] == 1 and result["companies"] == 2
    assert cache.get(tasks.RECONCILE_CURSOR) == 0 and cache.get(tasks.RECONCILE_SINCE) is not None
    assert all(_planned_for(licence) == {date(2026, 12, 15)} for licence in behind_the_back.values())
