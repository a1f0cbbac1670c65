"""SMS through a gateway: ``log`` (the demo: written to the log) or ``http`` (a JSON gateway).

Settings: ``BUTLER_SMS_BACKEND`` (log | http), ``BUTLER_SMS_URL``, ``BUTLER_SMS_KEY``,
``BUTLER_SMS_TIMEOUT`` (seconds), ``BUTLER_SMS_RATE`` (messages a second, counted in the cache: across all
workers with Redis). The message's key travels as the idempotency key, so a gateway that already accepted it
does not send it again. A delivery's texts go over one kept-alive connection to the gateway.
"""

import http.client
import json
import logging
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_noop

from reminders.channels.base import Undeliverable

logger = logging.getLogger("reminders.sms")


class GatewayError(Exception):
    """The gateway answered with an error: the text was not accepted (it is tried again later)."""


class SmsChannel:
    def address(self, user, handler) -> str:
        phone = handler.phone(user) if handler is not None else ""
        if not phone:
            raise Undeliverable(gettext_noop("no mobile number"))
        return phone

    def session(self) -> "SmsSession":
        return SmsSession()


class SmsSession:
    def __init__(self):
        self.http: http.client.HTTPConnection | None = None

    def send(self, message) -> str:
        text = message.short or message.title
        if getattr(settings, "BUTLER_SMS_BACKEND", "log") == "log":
            logger.info("SMS to %s [%s]: %s", message.address, message.key, text)
            return f"log:{message.key}"
        _wait_for_a_slot(settings.BUTLER_SMS_RATE)
        body = json.dumps({"to": message.address, "text": text, "idempotency_key": message.key}).encode()
        answer = self._post(body)
        return str(answer.get("id") or message.key)

    def _post(self, body: bytes) -> dict:
        url = urlsplit(settings.BUTLER_SMS_URL)
        if self.http is None:
            kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
            self.http = kind(url.hostname, url.port, timeout=getattr(settings, "BUTLER_SMS_TIMEOUT", 10))
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {settings.BUTLER_SMS_KEY}"}
        try:
            self.http.request("POST", url.path or "/", body=body, headers=headers)
            response = self.http.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.will_close:
            self.close()
        if response.status >= 400:
            raise GatewayError(f"SMS gateway: {response.status} {response.reason}")
        return json.loads(data or b"{}")

    def close(self) -> None:
        connection, self.http = self.http, None
        if connection is not None:
            connection.close()


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
