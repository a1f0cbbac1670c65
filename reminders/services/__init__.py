"""The reminder engine: plan reminders as rows, put the due ones into outgoing messages made once, and send
each message at least once, under one key, with one content.

- ``planning``: ``reminder_plan`` and ``reminders_cancel`` (what is due, to whom, by which channels).
- ``outbox``: ``reminders_claim`` puts due reminders into messages (the day's digest for e-mail and SMS).
- ``delivery``: ``messages_hand_over``, ``messages_deliver``, ``reminders_retry`` and, all in one process,
  ``reminders_send_due``.
"""

from reminders.services.delivery import (
    messages_deliver,
    messages_hand_over,
    reminders_retry,
    reminders_send_due,
)
from reminders.services.outbox import reminders_claim
from reminders.services.planning import Planned, reminder_plan, reminders_cancel

__all__ = [
    "Planned",
    "messages_deliver",
    "messages_hand_over",
    "reminder_plan",
    "reminders_cancel",
    "reminders_claim",
    "reminders_retry",
    "reminders_send_due",
]
