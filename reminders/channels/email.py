from django.core.mail import EmailMessage
from django.utils.translation import gettext_noop

from reminders.channels.base import Undeliverable


class EmailChannel:
    def send(self, reminder, message, key: str) -> str:
        address = reminder.recipient.email
        if not address:
            raise Undeliverable(gettext_noop("no e-mail address"))
        body = f"{message.body}\n\n{message.url}".strip() if message.url else message.body
        email = EmailMessage(message.title, body, to=[address], headers={"X-Butler-Reminder": key})
        email.send()
        return f"email:{key}"
