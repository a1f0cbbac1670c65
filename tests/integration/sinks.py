"""Stand-ins for the peers that messages leave for, each listening on loopback in the test process.

``SmtpSink`` is an SMTP server that keeps every message it accepts; ``SmsGateway`` is an HTTP SMS gateway
that, like a real one, accepts each idempotency key once and answers a repeat with the first answer
without sending again (it counts the repeats, so tests can bound them); ``ChatRobot`` is a 钉钉-style group
robot that checks each call's signature and, like the gateway, posts each key once; ``RatingCentre`` is the
provincial rating centre, recording each rating once per idempotency key.
"""

import asyncio
import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

KEY_HEADER = "X-Butler-Reminder"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Mail:
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def key(self) -> str:
        return self.message.get(KEY_HEADER, "")

    @property
    def subject(self) -> str:
        return str(self.message["Subject"]).strip()  # a long encoded subject is folded onto a second line

    @property
    def body(self) -> str:
        return self.message.get_content()


class SmtpSink:
    """An SMTP server on loopback; ``messages`` holds what it accepted, in order. ``delay``: seconds it takes
    to accept each message (a slow server)."""

    def __init__(self):
        self.messages: list[Mail] = []
        self.delay = 0.0
        self._lock = threading.Lock()
        self.port = _free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self.messages.append(Mail(tuple(envelope.rcpt_tos), message))
        return "250 OK"

    def keys(self) -> list[str]:
        with self._lock:
            return [mail.key for mail in self.messages]

    def __len__(self) -> int:
        return len(self.messages)

    def start(self) -> "SmtpSink":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


@dataclass(frozen=True)
class Sms:
    id: str
    to: str
    text: str
    key: str
    template: str = ""  # the kind of message, its approved template's id, its variables and the signature
    template_id: str = ""
    params: dict = field(default_factory=dict)
    sign_name: str = ""


def _template(payload: dict) -> dict:
    return {name: payload.get(name) or default for name, default in TEMPLATE_FIELDS.items()}


TEMPLATE_FIELDS = {"template": "", "template_id": "", "params": {}, "sign_name": ""}


class JsonHandler(BaseHTTPRequestHandler):
    """A stand-in's request handler: answers JSON, logs nothing."""

    def answer(self, status: HTTPStatus, answer: dict) -> None:
        data = json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass


class LoopbackServer:
    """An HTTP stand-in on a free loopback port, served from a thread: ``start()``, ``stop()``, ``address``,
    and what it ``accepted`` (each with its ``key``), once per key."""

    accepted: list

    def _serve(self) -> None:
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def keys(self) -> list[str]:
        with self._lock:
            return [item.key for item in self.accepted]

    def __len__(self) -> int:
        return len(self.accepted)

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class SmsGateway(LoopbackServer):
    """An HTTP SMS gateway on loopback: ``POST /messages`` with a Bearer key and JSON
    ``{"to", "text", "idempotency_key"}``, answered with ``{"id": ...}``.

    ``accepted`` holds each message it sent, once per idempotency key; ``repeats`` the keys it was sent again
    and dropped; ``received`` every message it was given, repeats included (to compare what one key carried).
    ``delay``: seconds it takes to answer each message (a slow gateway).
    """

    def __init__(self, api_key: str = "test-gateway-key"):
        self.api_key = api_key
        self.accepted: list[Sms] = []
        self.repeats: list[str] = []
        self.received: list[Sms] = []
        self.refused = 0
        self.cut_off = 0  # requests whose sender died before it had sent them whole
        self.delay = 0.0
        self._by_key: dict[str, Sms] = {}
        self._serve()

    @property
    def url(self) -> str:
        return f"{self.address}/messages"

    def receive(self, authorization: str, payload: dict) -> tuple[HTTPStatus, dict]:
        if self.delay:
            time.sleep(self.delay)
        if authorization != f"Bearer {self.api_key}":
            with self._lock:
                self.refused += 1
            return HTTPStatus.UNAUTHORIZED, {"error": "unauthorized"}
        fields = ("to", "text", "idempotency_key")
        if not all(isinstance(payload.get(name), str) and payload[name] for name in fields):
            with self._lock:
                self.refused += 1
            return HTTPStatus.BAD_REQUEST, {"error": f"{', '.join(fields)} are required"}
        key = payload["idempotency_key"]
        with self._lock:
            self.received.append(
                Sms(id="", to=payload["to"], text=payload["text"], key=key, **_template(payload))
            )
            known = self._by_key.get(key)
            if known is not None:
                self.repeats.append(key)
                return HTTPStatus.OK, {"id": known.id}
            sms = Sms(
                id=f"gw-{len(self.accepted) + 1}",
                to=payload["to"],
                text=payload["text"],
                key=key,
                **_template(payload),
            )
            self._by_key[key] = sms
            self.accepted.append(sms)
        return HTTPStatus.OK, {"id": sms.id}

    def _handler(self):
        gateway = self

        class Handler(JsonHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:  # the sender died half-way through its request: nothing was asked
                    with gateway._lock:
                        gateway.cut_off += 1
                    return
                try:
                    payload = json.loads(body or b"{}")
                except ValueError:
                    payload = {}
                if self.path != "/messages" or not isinstance(payload, dict):
                    status, answer = HTTPStatus.NOT_FOUND, {"error": "not found"}
                else:
                    status, answer = gateway.receive(self.headers.get("Authorization", ""), payload)
                self.answer(status, answer)

        return Handler


@dataclass(frozen=True)
class ChatPost:
    """One call to the robot as it arrived: the message's key (in the body and in the header), what it says,
    whom it mentions, and the query it was signed with."""

    key: str
    header_key: str
    content: str
    at_mobiles: tuple[str, ...]
    mentioned: tuple[str, ...]
    msgtype: str
    token: str
    timestamp: str
    sign: str


# The stand-in robot's own test credentials, not those of any real robot.
ROBOT_SECRET = "SEC-test-robot-secret"  # noqa: S105 - a test stand-in's secret
ROBOT_TOKEN = "test-robot-token"  # noqa: S105 - a test stand-in's token


class ChatRobot(LoopbackServer):
    """A 钉钉-style group robot on loopback: ``POST /robot/send?access_token=…&timestamp=…&sign=…`` with JSON
    ``{"msgtype": "text", "text": {"content"}, "at": {"atMobiles"}}``, answered ``{"errcode": 0, "errmsg":
    "ok"}``. A wrong token is refused (errcode 300001), a signature that does not match the timestamp and
    its own secret too (310000); it does not judge the timestamp's age (the tests' clocks are not the wall
    clock).

    ``received`` holds every well-signed call, repeats included (to compare what one key carried);
    ``accepted`` each message it posted to the group, once per key; ``repeats`` the keys it was sent again
    and dropped. ``trouble``: answers given, in turn, to the next well-signed calls instead of posting them
    — ``(HTTPStatus, body)`` — e.g. ``(HTTPStatus.OK, {"errcode": 130101, "errmsg": "send too fast"})``.
    ``delay``: seconds it takes to answer each call.
    """

    def __init__(self, secret: str = ROBOT_SECRET, token: str = ROBOT_TOKEN):
        self.secret = secret
        self.token = token
        self.received: list[ChatPost] = []
        self.accepted: list[ChatPost] = []
        self.repeats: list[str] = []
        self.refused = 0
        self.trouble: list[tuple[HTTPStatus, dict]] = []
        self.delay = 0.0
        self._keys: set[str] = set()
        self._serve()

    @property
    def url(self) -> str:
        return f"{self.address}/robot/send?access_token={self.token}"

    def _signed(self, timestamp: str, sign: str) -> bool:
        expected = hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256)
        return hmac.compare_digest(base64.b64encode(expected.digest()).decode(), sign)

    def receive(self, path: str, header_key: str, payload: dict) -> tuple[HTTPStatus, dict]:
        if self.delay:
            time.sleep(self.delay)
        query = {name: values[0] for name, values in parse_qs(urlsplit(path).query).items()}
        text, at = payload.get("text") or {}, payload.get("at") or {}
        post = ChatPost(
            key=str(payload.get("idempotency_key", "")),
            header_key=header_key,
            content=str(text.get("content", "")),
            at_mobiles=tuple(at.get("atMobiles") or ()),
            mentioned=tuple(text.get("mentioned_mobile_list") or ()),
            msgtype=str(payload.get("msgtype", "")),
            token=query.get("access_token", ""),
            timestamp=query.get("timestamp", ""),
            sign=query.get("sign", ""),
        )
        with self._lock:
            if post.token != self.token:
                self.refused += 1
                return HTTPStatus.OK, {"errcode": 300001, "errmsg": "token is not exist"}
            if not self._signed(post.timestamp, post.sign):
                self.refused += 1
                return HTTPStatus.OK, {"errcode": 310000, "errmsg": "sign not match"}
            if post.msgtype != "text" or not post.content or not post.key:
                self.refused += 1
                return HTTPStatus.OK, {"errcode": 40035, "errmsg": "missing parameter"}
            self.received.append(post)
            if self.trouble:
                return self.trouble.pop(0)
            if post.key in self._keys:
                self.repeats.append(post.key)
            else:
                self._keys.add(post.key)
                self.accepted.append(post)
        return HTTPStatus.OK, {"errcode": 0, "errmsg": "ok"}

    def _handler(self):
        robot = self

        class Handler(JsonHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:  # the sender died half-way through its request: nothing was asked
                    return
                try:
                    payload = json.loads(body or b"{}")
                except ValueError:
                    payload = {}
                if urlsplit(self.path).path != "/robot/send" or not isinstance(payload, dict):
                    status, answer = HTTPStatus.NOT_FOUND, {"errcode": 404, "errmsg": "not found"}
                else:
                    status, answer = robot.receive(self.path, self.headers.get(KEY_HEADER, ""), payload)
                self.answer(status, answer)

        return Handler


@dataclass(frozen=True)
class CentreCall:
    """One push as it reached the rating centre: its headers that matter and the JSON body (and its bytes)."""

    authorization: str
    key: str
    content_type: str
    payload: dict
    body: bytes


class RatingCentre(LoopbackServer):
    """A provincial rating centre (好差评系统) on loopback: ``POST /ratings`` with a Bearer key, an
    ``Idempotency-Key`` header and a JSON rating, answered ``201 {"id": "HCP-<n>"}``; the same key again is
    answered with the first answer and not recorded twice.

    ``received`` holds every well-authorised call, repeats included (to compare what one key carried);
    ``accepted`` each rating it recorded, once per key. ``trouble``: answers given, in turn, to the next
    well-authorised calls instead of recording them — ``(HTTPStatus, body)``. A wrong key is refused (401).
    """

    def __init__(self, api_key: str = "test-centre-key"):
        self.api_key = api_key
        self.received: list[CentreCall] = []
        self.accepted: list[CentreCall] = []
        self.trouble: list[tuple[HTTPStatus, dict]] = []
        self.refused = 0
        self.delay = 0.0
        self._ids: dict[str, str] = {}
        self._serve()

    @property
    def url(self) -> str:
        return f"{self.address}/ratings"

    def receive(self, call: CentreCall) -> tuple[HTTPStatus, dict]:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            if call.authorization != f"Bearer {self.api_key}":
                self.refused += 1
                return HTTPStatus.UNAUTHORIZED, {"error": "unauthorized"}
            self.received.append(call)
            if self.trouble:
                return self.trouble.pop(0)
            if not call.key:
                return HTTPStatus.BAD_REQUEST, {"error": "Idempotency-Key is required"}
            known = self._ids.get(call.key)
            if known is not None:
                return HTTPStatus.OK, {"id": known}
            self._ids[call.key] = f"HCP-{len(self.accepted) + 1:04d}"
            self.accepted.append(call)
            return HTTPStatus.CREATED, {"id": self._ids[call.key]}

    def _handler(self):
        centre = self

        class Handler(JsonHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    payload = json.loads(body or b"{}")
                except ValueError:
                    payload = None
                if self.path != "/ratings" or not isinstance(payload, dict):
                    status, answer = HTTPStatus.NOT_FOUND, {"error": "not found"}
                else:
                    status, answer = centre.receive(
                        CentreCall(
                            authorization=self.headers.get("Authorization", ""),
                            key=self.headers.get("Idempotency-Key", ""),
                            content_type=self.headers.get("Content-Type", ""),
                            payload=payload,
                            body=body,
                        )
                    )
                self.answer(status, answer)

        return Handler
