"""Celery tasks of the engine: the sweep claims what is due and hands the messages to delivery tasks."""

from celery import shared_task
from django.db import transaction

from reminders import services

CLAIM = 500  # reminders claimed per transaction
PER_TASK = 20  # messages per delivery task: handing over one task per message would cost more than the claim


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_reminders() -> int:
    """Claim every due reminder (in batches) and hand the messages to delivery tasks.

    A sweep that overruns is cut short; what it did not claim waits for the next one, a minute later.
    """
    total = 0
    while True:
        with transaction.atomic():
            messages = services.reminders_claim(batch_size=CLAIM)
            for start in range(0, len(messages), PER_TASK):
                chunk = messages[start : start + PER_TASK]
                transaction.on_commit(lambda chunk=chunk: deliver_reminders.delay(chunk), robust=True)
        claimed = sum(len(ids) for ids in messages)
        total += claimed
        if claimed < CLAIM:
            return total


@shared_task(acks_late=True, soft_time_limit=250, time_limit=280)
def deliver_reminders(messages: list[list[int]]) -> list[str]:
    """Deliver up to ``PER_TASK`` messages (batches of reminder ids). Twice sends nothing twice."""
    return [services.reminders_deliver(ids=ids) for ids in messages]
