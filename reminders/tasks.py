"""Celery tasks of the engine: the sweep puts what is due into messages and hands them to delivery tasks."""

from celery import shared_task
from django.db import transaction

from reminders import services
from reminders.services.delivery import CLAIM, HAND_OVER

PER_TASK = 50  # messages per delivery task: a task reads and records its messages in a handful of queries


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_reminders() -> int:
    """Put every due reminder into its message (in claims of ``CLAIM``), then hand every message whose time
    has come — and every one a dead worker left — to delivery tasks. The number of reminders claimed.

    A sweep that overruns is cut short; what it did not do waits for the next one, a minute later.
    """
    claimed = 0
    while True:
        taken = services.reminders_claim(batch_size=CLAIM)
        claimed += taken
        if taken < CLAIM:
            break
    while True:
        with transaction.atomic():
            ids = services.messages_hand_over(limit=HAND_OVER)
            for start in range(0, len(ids), PER_TASK):
                chunk = ids[start : start + PER_TASK]
                transaction.on_commit(lambda chunk=chunk: deliver_messages.delay(chunk), robust=True)
        if len(ids) < HAND_OVER:
            return claimed


@shared_task(acks_late=True, soft_time_limit=250, time_limit=280)
def deliver_messages(ids: list[int]) -> list[str]:
    """Deliver up to ``PER_TASK`` outgoing messages. Twice, or at once in two workers, sends nothing twice
    within a lease."""
    return services.messages_deliver(ids=ids)
