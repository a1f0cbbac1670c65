"""The published results of 好差评 (公开): per month, the ratings by level, the bad ratings and where their
rectification stands, and the improvements made — in plain words, no personal data, for anyone.

Counted as the dashboard counts: each matter once with its final word (the rater's re-rating where there is
one), a rating out of the figures only when the reviewer upheld the window's dispute."""

from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from butler.feedback.models import BAD_STARS, AuditCase, ImprovementAction, Rating
from companies.workdays import local_midnight

MONTHS = 12


@dataclass
class MonthResult:
    month: date
    stars: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 6), 0))
    set_aside: int = 0
    bad_reported: int = 0  # bad ratings rectified or explained, and reported back to the rater
    bad_in_hand: int = 0  # bad ratings still being handled
    bad_disputed: int = 0  # bad ratings with the reviewer

    @property
    def ratings(self) -> int:
        return sum(self.stars.values())

    @property
    def bad(self) -> int:
        return sum(self.stars[s] for s in BAD_STARS)

    @property
    def satisfaction(self) -> float | None:
        return (self.ratings - self.bad) / self.ratings if self.ratings else None

    def bars(self) -> list[tuple[int, int, int]]:
        """(stars, count, width in % of the month's ratings), five stars first."""
        return [
            (stars, self.stars[stars], round(100 * self.stars[stars] / self.ratings) if self.ratings else 0)
            for stars in range(5, 0, -1)
        ]


def public_results(*, today: date | None = None, months: int = MONTHS) -> tuple[list[MonthResult], list]:
    """The last ``months`` months, newest first, and the improvements done in them (three queries)."""
    today = today or timezone.localdate()
    first = today.replace(day=1) - relativedelta(months=months - 1)
    start = local_midnight(first)
    results = {
        first + relativedelta(months=n): MonthResult(first + relativedelta(months=n)) for n in range(months)
    }
    upheld = Q(case__dispute__upheld=True)
    ratings = (
        Rating.objects.filter(created_at__gte=start, follows__isnull=True)
        .annotate(month=TruncMonth("created_at"), final=Coalesce("follow_up__overall", "overall"))
        .values("month")
        .annotate(
            set_aside=Count("pk", filter=upheld),
            **{f"stars_{s}": Count("pk", filter=Q(final=s) & ~upheld) for s in range(1, 6)},
        )
    )
    for row in ratings:
        result = results.get(timezone.localtime(row["month"]).date())
        if result is None:
            continue
        result.set_aside = row["set_aside"]
        result.stars = {s: row[f"stars_{s}"] for s in range(1, 6)}
    cases = (
        AuditCase.objects.filter(rating__isnull=False, opened_at__gte=start)
        .exclude(dispute__upheld=True)
        .annotate(month=TruncMonth("opened_at"))
        .values("month")
        .annotate(
            reported=Count("pk", filter=Q(return_visit_at__isnull=False)),
            disputed=Count("pk", filter=Q(step=AuditCase.Step.REVIEW)),
            in_hand=Count("pk", filter=Q(return_visit_at__isnull=True) & ~Q(step=AuditCase.Step.REVIEW)),
        )
    )
    for row in cases:
        result = results.get(timezone.localtime(row["month"]).date())
        if result is not None:
            result.bad_reported, result.bad_disputed, result.bad_in_hand = (
                row["reported"],
                row["disputed"],
                row["in_hand"],
            )
    improvements = list(
        ImprovementAction.objects.filter(status=ImprovementAction.Status.DONE, done_on__gte=first)
        .only("title", "outcome", "done_on")
        .order_by("-done_on", "-pk")
    )
    return sorted(results.values(), key=lambda r: r.month, reverse=True), improvements
