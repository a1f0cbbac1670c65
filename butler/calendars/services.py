"""Making and revoking a person's calendar feed."""

import secrets
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from butler.calendars.models import CalendarFeed
from butler.calendars.selectors import company_of, may_keep_a_calendar, token_hash

READ_NOTED_EVERY = timedelta(hours=1)  # how often a calendar's reading is written down


@transaction.atomic
def calendar_feed_make(*, actor: AbstractBaseUser, now: datetime | None = None) -> tuple[CalendarFeed, str]:
    """Make the actor's calendar address: a company contact's holds their company's dates, a butler's or a
    manager's their tasks. Their earlier address stops working. Returns the feed and its raw token, which is
    shown once: only its hash is kept."""
    if not may_keep_a_calendar(actor):
        raise PermissionDenied
    now = now or timezone.now()
    # One person's makes queue here, so that exactly one address of theirs is live after them.
    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
    for earlier in CalendarFeed.objects.live().filter(owner=actor):
        _revoke(earlier, actor=actor, now=now)
    raw_token = secrets.token_urlsafe(32)
    feed = CalendarFeed(
        owner=actor, company=company_of(actor), token_hash=token_hash(raw_token), created_at=now
    )
    feed.full_clean()
    feed._history_user = actor
    feed.save()
    return feed, raw_token


@transaction.atomic
def calendar_feed_revoke(
    *, actor: AbstractBaseUser, feed: CalendarFeed, now: datetime | None = None
) -> CalendarFeed:
    """Stop the address from working: calendars subscribed to it read nothing more. Only its owner does."""
    if feed.owner_id != actor.pk:
        raise PermissionDenied
    feed = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
    if feed.is_live:
        _revoke(feed, actor=actor, now=now or timezone.now())
    return feed


def _revoke(feed: CalendarFeed, *, actor, now: datetime) -> None:
    feed.revoked_at = now
    feed._history_user = actor
    feed.save(update_fields=["revoked_at"])


def calendar_feed_read(*, feed: CalendarFeed, now: datetime | None = None) -> None:
    """Note that a calendar read the feed (at most once an hour, and outside its history): the page tells its
    owner whether their phone has subscribed. One query."""
    now = now or timezone.now()
    CalendarFeed.objects.filter(
        Q(last_read_at__isnull=True) | Q(last_read_at__lt=now - READ_NOTED_EVERY), pk=feed.pk
    ).update(last_read_at=now)
