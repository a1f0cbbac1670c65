"""Celery tasks: each takes ids, loads, and calls one service."""

from celery import shared_task

from butler import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_company_of_transfer(period_id: int) -> int:
    return services.transfer_notify_company(period_id=period_id)


@shared_task
def complete_due_service_periods() -> int:
    return services.service_periods_complete_due()


@shared_task
def reconcile_licence_reminders() -> int:
    from butler.reminding import licence_reminders_reconcile

    return licence_reminders_reconcile()
