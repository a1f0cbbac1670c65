"""SMS through a gateway: ``log`` (the demo: written to the log) or ``http`` (a JSON gateway).

Settings: ``BUTLER_SMS_BACKEND`` (log | http), ``BUTLER_SMS_URL``, ``BUTLER_SMS_KEY``,
``BUTLER_SMS_TIMEOUT`` (seconds), ``BUTLER_SMS_RATE`` (messages a second, counted in the cache: across all
workers with Redis). The message's key travels as the idempotency key, so a gateway that already accepted it
does not send it again. A delivery's texts go over one kept-alive connection to the gateway.
"""

import json
import logging
import re
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_noop

from reminders.channels.base import Undeliverable
from reminders.channels.connection import KeptAlive, ProviderError
from reminders.texts import template_values

logger = logging.getLogger("reminders.sms")


FULL_WIDTH = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "!": "！", "?": "？"})
_CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def sms_text(words: str, language: str) -> str:
    """A text message as the operators accept it: the sender's signature in 【】 first
    (``BUTLER_SMS_SIGNATURE``), in Chinese the punctuation full-width, the product's short link last (its
    public address, which takes a signed-in person to their own home page)."""
    words = " ".join(words.split())
    if language.startswith("zh"):
        words = _full_width(words)
    signature = getattr(settings, "BUTLER_SMS_SIGNATURE", "")
    link = getattr(settings, "BUTLER_PUBLIC_URL", "")
    return f"【{signature}】" * bool(signature) + words + (f" {link}/" if link else "")


def _full_width(words: str) -> str:
    """ASCII punctuation next to a Chinese character becomes full-width; within a number, a time or a link
    (``0574-86861203``, ``12:30``, ``http://``) it stays."""
    out = []
    for index, char in enumerate(words):
        if char in ",:;()!?":
            before = words[index - 1] if index else ""
            after = words[index + 1] if index + 1 < len(words) else ""
            if (
                _CHINESE.match(before)
                or _CHINESE.match(after)
                or char in "()"
                and (before == " " or after == " ")
            ):
                char = char.translate(FULL_WIDTH)
        out.append(char)
    return "".join(out).replace("（ ", "（").replace(" （", "（").replace(" ）", "）").replace("） ", "）")


def template_of(message) -> dict:
    """What an operator's template platform needs besides the text: the approved template's id for this kind
    of message (``BUTLER_SMS_TEMPLATES``: {kind: id}, e.g. ``licence.renew_by``, ``digest``), the signature
    and the values of its variables, in the language the message was written in."""
    texts = message.texts or {}
    kind = texts.get("template", "")
    values = template_values(
        texts.get("short") or texts.get("title"), message.language or settings.LANGUAGE_CODE
    )
    link = getattr(settings, "BUTLER_PUBLIC_URL", "")
    return {
        "sign_name": getattr(settings, "BUTLER_SMS_SIGNATURE", ""),
        "template": kind,
        "template_id": getattr(settings, "BUTLER_SMS_TEMPLATES", {}).get(kind, ""),
        "params": {**values, **({"link": f"{link}/"} if link else {})},
    }


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
        self.connection = KeptAlive("SMS gateway")

    def send(self, message) -> str:
        text = message.short or message.title
        if getattr(settings, "BUTLER_SMS_BACKEND", "log") == "log":
            logger.info("SMS to %s [%s]: %s", message.address, message.key, text)
            return f"log:{message.key}"
        _wait_for_a_slot(settings.BUTLER_SMS_RATE)
        body = json.dumps(
            {"to": message.address, "text": text, "idempotency_key": message.key, **template_of(message)}
        ).encode()
        answer = self._post(body)
        return str(answer.get("id") or message.key)

    def _post(self, body: bytes) -> dict:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {settings.BUTLER_SMS_KEY}"}
        url = urlsplit(settings.BUTLER_SMS_URL)
        try:
            data = self.connection.post(
                url, url.path or "/", body, headers, timeout=getattr(settings, "BUTLER_SMS_TIMEOUT", 10)
            )
        except ProviderError as error:
            raise GatewayError(str(error)) from error
        return json.loads(data or b"{}")

    def close(self) -> None:
        self.connection.close()


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
