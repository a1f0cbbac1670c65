"""The demo load's clock: the history clock that dates every history record on the simulated moment, the
moments of a day on the window's clock, back-dating of the timestamps the services took from the real clock,
and the surroundings the load runs in — one working-day calendar for all due dates, and loggers kept quiet
while the past is replayed. Used by the loader, its licence and contact steps and the feedback story.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.signals import pre_create_historical_record

from butler.demo.data import COMPLETION_TIME, WINDOW_TZ
from butler.service.models import ServicePeriod
from companies import workdays
from companies.models import CompanyLicence, LicenceStatus


class HistoryClock:
    """Dates every history record written during the load on the simulated moment, not on the real one.

    While it is open, the services' history records get ``moment``; a period completed by the hourly
    task gets the first hour of its end date, and a licence the daily status refresh moves gets the first
    hour of the day its renewal fell due or it lapsed (never later than ``latest``).
    """

    UID = "butler.demo.clock.history-clock"

    def __init__(self) -> None:
        self.moment: datetime | None = None
        self.latest: datetime | None = None

    def __enter__(self) -> "HistoryClock":
        pre_create_historical_record.connect(self._date, weak=False, dispatch_uid=self.UID)
        return self

    def __exit__(self, *exc_info) -> None:
        pre_create_historical_record.disconnect(dispatch_uid=self.UID)

    def _date(self, sender, history_instance, **kwargs) -> None:
        if self.moment is not None:
            history_instance.history_date = self.moment
        elif sender is CompanyLicence.history.model:
            expires = history_instance.expires_on
            if history_instance.status == LicenceStatus.EXPIRED:
                day = expires + timedelta(days=1)
            elif history_instance.status == LicenceStatus.RENEWAL_DUE and history_instance.renew_by:
                day = history_instance.renew_by - timedelta(days=renewal_notice_days())
            else:
                return
            moment = moment_at(day, COMPLETION_TIME)
            history_instance.history_date = min(moment, self.latest) if self.latest else moment
        elif getattr(history_instance, "status", None) == ServicePeriod.Status.COMPLETED:
            history_instance.history_date = moment_at(history_instance.ended_on, COMPLETION_TIME)


def moment_at(day: date, at: time) -> datetime:
    """``at`` o'clock on ``day``, on the window's clock."""
    return timezone.make_aware(datetime.combine(day, at), WINDOW_TZ)


def at_minute(day: date, minute: int) -> datetime:
    """The ``minute``-th minute of ``day`` (``9 * 60``: nine in the morning), on the window's clock."""
    return moment_at(day, time(minute // 60, minute % 60))


def backdate(model: type[models.Model], pks: list[int], **fields) -> None:
    """Set timestamps the services took from the clock, on the rows and on their history."""
    model.objects.filter(pk__in=pks).update(**fields)
    model.history.filter(id__in=pks).update(**fields)


def renewal_notice_days() -> int:
    """How long before the last day to apply for renewal the refresh marks a licence "renewal due"."""
    return getattr(settings, "BUTLER_RENEWAL_NOTICE_DAYS", 30)


@contextmanager
def one_calendar(calendar: workdays.Calendar) -> Iterator[None]:
    """Count the licences' due dates on one calendar loaded once, not on one built per call.

    The answers are the same (a calendar's results do not depend on the years it was loaded for); only
    the holiday package's work and the two queries per due date are saved, a few seconds of the load.
    """
    original = workdays.add_working_days
    workdays.add_working_days = calendar.add
    try:
        yield
    finally:
        workdays.add_working_days = original


@contextmanager
def quiet_loggers(*names: str) -> Iterator[None]:
    """Only errors from these loggers while the block runs (the replayed past is not news)."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
