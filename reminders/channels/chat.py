"""The staff's work chat (浙政钉 / 企业微信) through a group robot: ``log`` (the demo: written to the log) or
``http`` (the robot's webhook).

Settings: ``BUTLER_CHAT_BACKEND`` (log | http), ``BUTLER_CHAT_WEBHOOK_URL`` (the robot's address, its access
token included), ``BUTLER_CHAT_SECRET`` (the robot's signing secret; empty: unsigned, for a robot secured by
keyword or address), ``BUTLER_CHAT_TIMEOUT`` (seconds).

A message is posted as the robots read it — ``{"msgtype": "text", "text": {"content": …}, "at": {"atMobiles":
[mobile]}}`` (企业微信 reads the mention from ``text.mentioned_mobile_list``) — mentioning its recipient by
their mobile, signed as 钉钉 signs: ``timestamp`` (milliseconds) and ``sign``, the base64 HMAC-SHA256 of
``"{timestamp}\\n{secret}"`` keyed with the secret, as query parameters. The message's key travels in the body
(``idempotency_key``) and in the ``X-Butler-Reminder`` header, so a receiver that has seen it can drop the
repeat. The robot answers ``{"errcode": 0, …}``; another errcode, or an HTTP error, is an error, tried again
later. Only the window's staff are reminded here: who gets chat is decided where reminders are planned.
"""

import base64
import hashlib
import hmac
import json
import logging
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.utils.translation import gettext_noop

from reminders.channels.base import Undeliverable
from reminders.channels.connection import KeptAlive, ProviderError
from reminders.channels.links import public_link

logger = logging.getLogger("reminders.chat")
KEY_HEADER = "X-Butler-Reminder"


def chat_text(title: str, body: str, url: str) -> str:
    """What a chat message says: its title, its text and the link to the product (on its public address)."""
    return "\n".join(part for part in (title.strip(), body.strip(), public_link(url)) if part)


def signature(secret: str, timestamp: int) -> str:
    """钉钉's signature of a robot call made at ``timestamp`` (milliseconds): base64 of the HMAC-SHA256 of
    ``"{timestamp}\\n{secret}"`` keyed with the secret (url-encoded when it goes into the query)."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def robot_body(message) -> dict:
    """The robot's JSON for this message: its text, the mention of its recipient, its key."""
    mobile = message.address
    return {
        "msgtype": "text",
        "text": {"content": f"{message.short}\n@{mobile}", "mentioned_mobile_list": [mobile]},
        "at": {"atMobiles": [mobile], "isAtAll": False},
        "idempotency_key": message.key,
    }


class ChatError(Exception):
    """The robot refused the message (an errcode, an HTTP error): it is tried again later."""


class ChatChannel:
    def address(self, user, handler) -> str:
        phone = handler.phone(user) if handler is not None else ""
        if not phone:
            raise Undeliverable(gettext_noop("no mobile number to mention in the staff chat"))
        return phone

    def session(self) -> "ChatSession":
        return ChatSession()


class ChatSession:
    """One kept-alive connection to the robot for the messages of a delivery, opened again after an error."""

    def __init__(self):
        self.connection = KeptAlive("chat robot")

    def send(self, message) -> str:
        if getattr(settings, "BUTLER_CHAT_BACKEND", "log") == "log":
            logger.info("chat to %s [%s]: %s", message.address, message.key, message.short)
            return f"log:{message.key}"
        body = json.dumps(robot_body(message), ensure_ascii=False).encode()
        answer = self._post(body, key=message.key)
        code = answer.get("errcode")
        if code != 0:
            raise ChatError(f"chat robot: errcode {code} {answer.get('errmsg', '')}".strip())
        return f"chat:{message.key}"

    def _post(self, body: bytes, *, key: str) -> dict:
        url = urlsplit(settings.BUTLER_CHAT_WEBHOOK_URL)
        headers = {"Content-Type": "application/json; charset=utf-8", KEY_HEADER: key}
        try:
            data = self.connection.post(
                url, _signed_path(url), body, headers, timeout=getattr(settings, "BUTLER_CHAT_TIMEOUT", 10)
            )
        except ProviderError as error:
            raise ChatError(str(error)) from error
        try:
            answer = json.loads(data or b"{}")
        except ValueError as error:
            raise ChatError(f"chat robot: not JSON: {data[:200]!r}") from error
        return answer if isinstance(answer, dict) else {}

    def close(self) -> None:
        self.connection.close()


def _signed_path(url) -> str:
    """The webhook's path and query (its access token), with the timestamp and signature of this call."""
    query = url.query
    secret = getattr(settings, "BUTLER_CHAT_SECRET", "")
    if secret:
        timestamp = int(time.time() * 1000)
        signed = urlencode({"timestamp": timestamp, "sign": signature(secret, timestamp)})
        query = f"{query}&{signed}" if query else signed
    return f"{url.path or '/'}?{query}" if query else url.path or "/"
