"""SMS through a gateway: ``log`` (the demo: written to the log) or ``http`` (a JSON gateway).

Settings: ``BUTLER_SMS_BACKEND`` (log | http), ``BUTLER_SMS_URL``, ``BUTLER_SMS_KEY``,
``BUTLER_SMS_TIMEOUT`` (seconds), ``BUTLER_SMS_RATE`` (messages a second, counted in the cache: across all
workers with Redis). The
reminder's key travels as the idempotency key, so a gateway that already accepted it does not send it again.
"""

import json
import logging
import time
import urllib.request

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_noop

from reminders.channels.base import Undeliverable
from reminders.registry import handler_for

logger = logging.getLogger("reminders.sms")


class SmsChannel:
    def send(self, reminder, message, key: str) -> str:
        handler = handler_for(reminder.subject)
        phone = handler.phone(reminder.recipient) if handler else ""
        if not phone:
            raise Undeliverable(gettext_noop("no mobile number"))
        text = message.short or message.title
        backend = getattr(settings, "BUTLER_SMS_BACKEND", "log")
        if backend == "log":
            logger.info("SMS to %s [%s]: %s", phone, key, text)
            return f"log:{key}"
        _wait_for_a_slot(settings.BUTLER_SMS_RATE)
        request = urllib.request.Request(  # noqa: S310 - the configured gateway URL
            settings.BUTLER_SMS_URL,
            data=json.dumps({"to": phone, "text": text, "idempotency_key": key}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.BUTLER_SMS_KEY}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=getattr(settings, "BUTLER_SMS_TIMEOUT", 10)) as response:  # noqa: S310 - the configured gateway URL
            answer = json.loads(response.read() or b"{}")
        return str(answer.get("id") or key)


def _wait_for_a_slot(per_second: int) -> None:
    """Hold the caller until the gateway's rate allows one more message this second (a shared counter)."""
    while True:
        second = int(time.time())
        key = f"sms-rate:{second}"
        cache.add(key, 0, timeout=5)
        try:
            used = cache.incr(key)
        except ValueError:  # the counter expired between add and incr
            continue
        if used <= per_second:
            return
        time.sleep(max(0.0, second + 1 - time.time()))
