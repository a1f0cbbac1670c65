"""Celery tasks of the engine: the sweep claims what is due; each batch (one message) is delivered on its own."""

from celery import shared_task
from django.db import transaction

from reminders import services

BATCH = 500


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_reminders() -> int:
    """Claim every due reminder (in batches) and hand each message to a delivery task.

    A sweep that overruns is cut short; what it did not claim waits for the next one, a minute later.
    """
    total = 0
    while True:
        with transaction.atomic():
            batches = services.reminders_claim(batch_size=BATCH)
            for ids in batches:
                transaction.on_commit(lambda ids=ids: deliver_reminders.delay(ids), robust=True)
        claimed = sum(len(ids) for ids in batches)
        total += claimed
        if claimed < BATCH:
            return total


@shared_task(acks_late=True, soft_time_limit=100, time_limit=120)
def deliver_reminders(ids: list[int]) -> str:
    return services.reminders_deliver(ids=ids)
