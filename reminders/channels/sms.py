"""SMS through a gateway: ``log`` (the demo: written to the log) or ``http`` (a JSON gateway).

Settings: ``BUTLER_SMS_BACKEND`` (log | http), ``BUTLER_SMS_URL``, ``BUTLER_SMS_KEY``,
``BUTLER_SMS_TIMEOUT`` (seconds). The reminder's key travels as the idempotency key, so a gateway that
already accepted it does not send it again.
"""

import json
import logging
import urllib.request

from django.conf import settings

from reminders.channels.base import Undeliverable
from reminders.registry import handler_for

logger = logging.getLogger("reminders.sms")


class SmsChannel:
    def send(self, reminder, message, key: str) -> str:
        handler = handler_for(reminder.subject)
        phone = handler.phone(reminder.recipient) if handler else ""
        if not phone:
            raise Undeliverable("no mobile number")
        text = f"{message.title} {message.body}".strip()
        backend = getattr(settings, "BUTLER_SMS_BACKEND", "log")
        if backend == "log":
            logger.info("SMS to %s [%s]: %s", phone, key, text)
            return f"log:{key}"
        request = urllib.request.Request(  # noqa: S310 - the configured gateway URL
            settings.BUTLER_SMS_URL,
            data=json.dumps({"to": phone, "text": text, "idempotency_key": key}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.BUTLER_SMS_KEY}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=getattr(settings, "BUTLER_SMS_TIMEOUT", 10)) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
        return str(answer.get("id") or key)
