"""Celery tasks: each takes ids, loads, and calls one service. Every task has a time limit."""

from celery import shared_task

from butler import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, soft_time_limit=50, time_limit=60)
def notify_company_of_transfer(period_id: int) -> int:
    return services.transfer_notify_company(period_id=period_id)


@shared_task(soft_time_limit=600, time_limit=660)
def complete_due_service_periods() -> int:
    return services.service_periods_complete_due()


@shared_task(soft_time_limit=50 * 60, time_limit=55 * 60)
def reconcile_reminders() -> dict[str, int]:
    """Hourly: re-derive every reminder from the data (what was planned anywhere else is caught here)."""
    from butler.reminding import reminders_reconcile

    result = reminders_reconcile()
    return {"created": result.created, "cancelled": result.cancelled}
