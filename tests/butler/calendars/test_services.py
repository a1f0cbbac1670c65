"""Making and revoking a calendar address: one live address per person, kept as a hash, with its history."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from butler.calendars.services import calendar_feed_make, calendar_feed_revoke
from butler.models import CalendarFeed
from butler.security import roles
from tests.conftest import make_user


def test_a_new_address_revokes_the_earlier_one(world):
    first, _token = calendar_feed_make(actor=world.butler_a.user)
    second, _token = calendar_feed_make(actor=world.butler_a.user)
    first.refresh_from_db()
    assert not first.is_live and second.is_live
    assert list(CalendarFeed.objects.live().filter(owner=world.butler_a.user)) == [second]
    # Who made and revoked it, and when, stays in the history; the hash does not.
    assert [(h.history_type, h.revoked_at is None) for h in first.history.order_by("history_id")] == [
        ("+", True),
        ("~", False),
    ]
    assert first.history.first().history_user == world.butler_a.user
    assert not hasattr(first.history.first(), "token_hash")


def test_a_company_contacts_address_is_for_their_company_a_staff_ones_for_their_tasks(world):
    contacts, _token = calendar_feed_make(actor=world.contact_a)
    butlers, _token = calendar_feed_make(actor=world.butler_a.user)
    managers, _token = calendar_feed_make(actor=world.manager)
    assert (contacts.company, butlers.company, managers.company) == (world.company_a, None, None)


@pytest.mark.parametrize("role", [None, roles.REVIEWER])
def test_someone_without_a_calendar_of_the_window_gets_no_address(world, role):
    user = make_user("someone", *([role] if role else []))
    with pytest.raises(PermissionDenied):
        calendar_feed_make(actor=user)
    assert not CalendarFeed.objects.exists()


def test_a_company_user_without_a_contact_gets_no_address(world):
    with pytest.raises(PermissionDenied):
        calendar_feed_make(actor=make_user("orphan", roles.COMPANY))


def test_only_the_owner_revokes(world):
    feed, _token = calendar_feed_make(actor=world.butler_a.user)
    with pytest.raises(PermissionDenied):
        calendar_feed_revoke(actor=world.manager, feed=feed)
    feed.refresh_from_db()
    assert feed.is_live


def test_revoking_twice_keeps_the_first_time(world):
    feed, _token = calendar_feed_make(actor=world.contact_a)
    first = calendar_feed_revoke(actor=world.contact_a, feed=feed).revoked_at
    again = calendar_feed_revoke(actor=world.contact_a, feed=feed)
    assert again.revoked_at == first


def test_the_database_holds_one_live_address_per_person(world):
    calendar_feed_make(actor=world.contact_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.create(owner=world.contact_a, company=world.company_a, token_hash="0" * 64)
