from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext_noop

from reminders.channels.base import Undeliverable


class EmailChannel:
    def send(self, reminder, message, key: str) -> str:
        address = reminder.recipient.email
        if not address:
            raise Undeliverable(gettext_noop("no e-mail address"))
        link = _absolute(message.url)
        body = f"{message.body}\n\n{link}".strip() if link else message.body
        email = EmailMessage(message.title, body, to=[address], headers={"X-Butler-Reminder": key})
        email.send()
        return f"email:{key}"


def _absolute(url: str) -> str:
    """A link the reader can follow from their mailbox: on the public address, or none if it is unknown."""
    if not url or url.startswith(("http://", "https://")):
        return url
    base = getattr(settings, "BUTLER_PUBLIC_URL", "")
    return f"{base}{url}" if base else ""
