"""Celery tasks of the engine: the sweep puts what is due into messages and hands them to delivery tasks."""

from celery import shared_task
from django.db import transaction

from reminders import services
from reminders.services.delivery import CLAIM, HAND_OVER

PER_TASK = 50  # messages per delivery task: a task reads and records its messages in a handful of queries


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_reminders() -> int:
    """Put every due reminder into its message (in claims of ``CLAIM``), handing the messages made to
    delivery tasks as each claim commits; then hand over every message whose time has come again, and every
    one a lost task or a dead worker left. The number of reminders claimed.

    A sweep that overruns is cut short; what it did not do waits for the next one, a minute later.
    """
    claimed = 0
    while True:
        claim = services.reminders_claim(batch_size=CLAIM)  # committed: the messages exist, leased to us
        _hand_over(claim.messages)
        claimed += claim.taken
        if claim.taken < CLAIM:
            break
    while True:
        with transaction.atomic():
            ids = services.messages_hand_over(limit=HAND_OVER)
            transaction.on_commit(lambda ids=ids: _hand_over(ids), robust=True)
        if len(ids) < HAND_OVER:
            return claimed


def _hand_over(ids: list[int]) -> None:
    for start in range(0, len(ids), PER_TASK):
        deliver_messages.delay(ids[start : start + PER_TASK])


@shared_task(acks_late=True, soft_time_limit=250, time_limit=280)
def deliver_messages(ids: list[int]) -> list[str]:
    """Deliver up to ``PER_TASK`` outgoing messages. Twice, or at once in two workers, sends nothing twice
    within a lease."""
    return services.messages_deliver(ids=ids)
