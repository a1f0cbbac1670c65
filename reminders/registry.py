"""How the engine learns about the subjects it reminds of, without knowing what they are.

The layer that plans reminders registers a handler for its subjects' prefix (``licence`` for
``licence:42``): it says whether a reminder is still due, what it says, and a person's phone number.
"""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    url: str = ""
    short: str = ""  # what an SMS says (the title when empty): what is due, by when, whom to call


class SubjectHandler(Protocol):
    def no_longer_due(self, reminder) -> str:
        """Why the reminder should not go out any more (the subject was resolved), or "" to send it."""

    def message(self, reminder) -> Message:
        """What the reminder says: what is due, by when, and how to reach the butler."""

    def phone(self, user) -> str:
        """The mobile number to text this person at, or ""."""


_handlers: dict[str, SubjectHandler] = {}


def register(prefix: str, handler: SubjectHandler) -> None:
    _handlers[prefix] = handler


def handler_for(subject: str) -> SubjectHandler | None:
    return _handlers.get(subject.split(":", 1)[0])
