"""Celery tasks: each takes ids, loads, and calls one service. Every task has a time limit."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

# The feedback room's tasks, imported so that the workers (which load this module) know them.
from butler.feedback.tasks import push_rating_to_centre, push_ratings_to_centre  # noqa: F401
from butler.health import checks as health
from butler.oversight.days import dashboard_days_refresh
from butler.service.planning import reminders_reconcile_changed, reminders_reconcile_slice
from butler.service.services import service_periods_complete_due, transfer_notify_company


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, soft_time_limit=50, time_limit=60)
def notify_company_of_transfer(period_id: int) -> int:
    return transfer_notify_company(period_id=period_id)


@shared_task(soft_time_limit=30 * 60, time_limit=35 * 60)
def refresh_dashboard_days() -> int:
    """Hourly: the dashboard's daily figures of the last weeks again (every missing day the first time)."""
    return dashboard_days_refresh().days


@shared_task(soft_time_limit=600, time_limit=660)
def complete_due_service_periods() -> int:
    return service_periods_complete_due()


RECONCILE_CURSOR = "butler:reconcile:after-id"
RECONCILE_SINCE = "butler:reconcile:since"
RECONCILE_SLICE_SECONDS = 40 * 60  # well inside the soft limit


@shared_task(soft_time_limit=50 * 60, time_limit=55 * 60)
def reconcile_reminders() -> dict[str, int]:
    """Hourly: re-derive reminders from the data (what was planned anywhere else is caught here) — first the
    companies whose licences changed since the last run, then the next slice of the whole register, from
    where the last run stopped (kept in the cache; a lost cursor starts again from the first company)."""
    started = timezone.now()
    since = cache.get(RECONCILE_SINCE)
    changed = reminders_reconcile_changed(since=since) if since is not None else None
    cache.set(RECONCILE_SINCE, started, timeout=None)
    after_id = cache.get(RECONCILE_CURSOR) or 0
    walked = reminders_reconcile_slice(after_id=after_id, seconds=RECONCILE_SLICE_SECONDS)
    cache.set(RECONCILE_CURSOR, 0 if walked.finished else (walked.last_id or after_id), timeout=None)
    created = walked.planned.created + (changed.planned.created if changed else 0)
    cancelled = walked.planned.cancelled + (changed.planned.cancelled if changed else 0)
    return {
        "created": created,
        "cancelled": cancelled,
        "companies": walked.companies + (changed.companies if changed else 0),
        "finished": int(walked.finished),
    }


@shared_task(ignore_result=True, soft_time_limit=20, time_limit=30)
def record_heartbeat() -> None:
    """Every minute (beat): record that a worker completed a task, for the tasks check of ``/healthz``."""
    health.heartbeat_record()
