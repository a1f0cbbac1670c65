"""How the engine learns about the subjects it reminds of, without knowing what they are.

The layer that plans reminders registers a handler for its subjects' prefix (``licence`` for
``licence:42``): it says whether a reminder is still due, what it says, and a person's phone number.
"""

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from reminders.texts import Spec


@dataclass(frozen=True)
class Message:
    """What a reminder says. Its texts are plain strings or, better, :mod:`reminders.texts` texts (a message
    key and its parameters), which each recipient reads in their own language."""

    title: Spec
    body: Spec
    url: str = ""
    short: Spec = ""  # what an SMS says (the title when empty): what is due, by when, whom to call
    due_on: date | None = None  # the date it asks something to be done by


class SubjectHandler(Protocol):
    """What a layer that plans reminders tells the engine about its subjects.

    A handler may also have ``prepare(reminders)``: the engine calls it once with every reminder of one
    delivery that the handler will be asked about, so that it can read what it needs for all of them in a
    few queries (and keep it on the reminder objects) rather than a few queries each.
    """

    def no_longer_due(self, reminder) -> str:
        """Why the reminder should not go out any more (the subject was resolved), or "" to send it."""

    def message(self, reminder) -> Message:
        """What the reminder says: what is due, by when, and how to reach the butler."""

    def phone(self, user) -> str:
        """The mobile number to text this person at (and to mention them by in the staff chat), or ""."""


_handlers: dict[str, SubjectHandler] = {}


def register(prefix: str, handler: SubjectHandler) -> None:
    _handlers[prefix] = handler


def handler_for(subject: str) -> SubjectHandler | None:
    return _handlers.get(subject.split(":", 1)[0])


def prepare(reminders) -> None:
    """Let each handler read what it needs for these reminders at once (see ``SubjectHandler``)."""
    by_prefix: dict[str, list] = {}
    for reminder in reminders:
        by_prefix.setdefault(reminder.subject.split(":", 1)[0], []).append(reminder)
    for prefix, group in by_prefix.items():
        handler = _handlers.get(prefix)
        if handler is not None and hasattr(handler, "prepare"):
            handler.prepare(group)
