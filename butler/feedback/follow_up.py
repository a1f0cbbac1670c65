"""The rater's one re-rating (追评): invited once the window reported back on a bad rating, open for
``BUTLER_FOLLOW_UP_DAYS`` after the report back (or after the rating, when no case was opened)."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from butler.feedback.models import Rating
from reminders.notices import notice_send
from reminders.texts import text


def follow_up_until(rating: Rating, *, reported_at: datetime | None = None) -> date:
    """The last day the rater may re-rate."""
    if reported_at is None:
        case = getattr(rating, "case", None)  # a bad rating's: the days run from its report back
        reported_at = case.return_visit_at if case is not None else None
    start = reported_at or rating.created_at
    return timezone.localtime(start).date() + timedelta(days=settings.BUTLER_FOLLOW_UP_DAYS)


def follow_up_invite(rating: Rating, *, reported_at: datetime) -> None:
    """Tell the rater the window reported back, and that they may re-rate once, by when."""
    until = follow_up_until(rating, reported_at=reported_at)
    title = text(
        gettext_noop("The window reported back on your rating: you may rate again once, by %(date)s"),
        date=f"{until:%Y-%m-%d}",
    )
    notice_send(
        recipients=[rating.rated_by],
        title=title,
        due_on=until,
        url=reverse("feedback:rate_again", args=[rating.pk]),
        key=f"follow-up:{rating.pk}",
    )
