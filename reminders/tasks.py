"""Celery tasks of the engine: the sweep claims what is due; each delivery runs on its own."""

from celery import shared_task
from django.db import transaction

from reminders import services


@shared_task(acks_late=True)
def sweep_reminders() -> int:
    """Claim every due reminder (in batches) and hand each to a delivery task."""
    total = 0
    while True:
        ids = services.reminders_claim()
        for reminder_id in ids:
            transaction.on_commit(
                lambda reminder_id=reminder_id: deliver_reminder.delay(reminder_id), robust=True
            )
        total += len(ids)
        if len(ids) < 500:
            return total


@shared_task(acks_late=True, soft_time_limit=100, time_limit=120)
def deliver_reminder(reminder_id: int) -> str:
    return services.reminder_deliver(reminder_id=reminder_id)
