import contextlib

from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext_noop

from reminders.channels.base import Undeliverable
from reminders.channels.links import public_link

KEY_HEADER = "X-Butler-Reminder"


class EmailChannel:
    def address(self, user, handler) -> str:
        if not user.email:
            raise Undeliverable(gettext_noop("no e-mail address"))
        return user.email

    def session(self) -> "EmailSession":
        return EmailSession()


class EmailSession:
    """One connection to the mail server for the messages of a delivery, opened at the first of them and
    opened again after an error."""

    def __init__(self):
        self.connection = None

    def send(self, message) -> str:
        if self.connection is None:
            connection = get_connection()
            connection.open()
            self.connection = connection
        link = public_link(message.url)
        body = f"{message.body}\n\n{link}".strip() if link else message.body
        email = EmailMessage(
            message.title,
            body,
            to=[message.address],
            headers={KEY_HEADER: message.key},
            connection=self.connection,
        )
        try:
            email.send()
        except Exception:
            self.close()
            raise
        return f"email:{message.key}"

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # a connection that broke cannot be closed more
                connection.close()
