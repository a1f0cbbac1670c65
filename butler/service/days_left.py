"""A service period's days left, as every page shows it: the number, a colour by how close the end is,
and the share of the period left."""

from dataclasses import dataclass
from datetime import date

from butler.service.models import ServicePeriod


@dataclass(frozen=True)
class DaysLeft:
    """A service period's days left, coloured by how close its end is, and the share of the period left."""

    left: int
    tone: str
    percent: int
    active: bool


def days_left(period: ServicePeriod, today: date) -> DaysLeft:
    left = period.days_left(today)
    if not period.is_active:
        tone = "secondary"
    elif left <= 14:
        tone = "danger"
    elif left <= 30:
        tone = "warning"
    else:
        tone = "success"
    total = period.days_total()
    return DaysLeft(
        left=left, tone=tone, percent=round(100 * left / total) if total else 0, active=period.is_active
    )
