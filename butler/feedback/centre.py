"""Every rating pushed to the provincial rating centre (好差评系统), when ``BUTLER_RATING_CENTRE_URL`` is set.

- ``centre_push_make``: with the rating, in its transaction, a ``CentrePush`` holding the payload as it will
  be sent, made once: every attempt sends the same bytes under the same idempotency key.
- ``centre_push_deliver``: right after the rating commits (a task queued then), that one push is sent.
- ``centre_pushes_send_due``: every minute (beat), every push whose time has come — a first try whose task
  was lost, or a retry.

Each send is three short steps (claim, send, record). The claim takes the row with ``FOR UPDATE SKIP LOCKED``
on PostgreSQL and leases it (``next_try_at`` moved past the HTTP timeout), so two workers never send one
push at once; the POST goes out with no transaction open; the answer is recorded after. A worker that dies
between sending and recording leaves the push to be sent again when its lease runs out — the same payload
under the same key, which the centre recognises.

Answers: 2xx sent (the centre's id kept); 4xx other than 429 failed at once, the answer kept; 5xx, 429 and
network errors tried again after 1, 2, 4 … minutes (at most ``BACKOFF_CAP`` apart), failed after
``MAX_ATTEMPTS`` attempts.
"""

import http.client
import json
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from butler.feedback.models import CentrePush, Rating

P = CentrePush.State
MAX_ATTEMPTS = 12
BACKOFF_CAP = timedelta(hours=6)
CLAIM = 10  # pushes a sweep claims at a time: what a sweep cut short holds up is little
ANSWER_LIMIT = 2000  # characters of the centre's answer kept

# The national scale's words, as the centre knows them.
LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


def centre_configured() -> bool:
    return bool(getattr(settings, "BUTLER_RATING_CENTRE_URL", ""))


def centre_key(rating: Rating) -> str:
    """The idempotency key: ``rating-<id>``, or ``rating-<id>-again`` for the re-rating (追评) of it."""
    return f"rating-{rating.follows_id}-again" if rating.follows_id else f"rating-{rating.pk}"


def centre_payload(rating: Rating, *, key: str) -> dict:
    """What the centre is told of a rating (plain JSON: it is stored and sent as it is)."""
    licence = rating.licence
    licence_type = licence.licence_type if licence else None
    butler, period, company = rating.butler, rating.period, rating.company
    tags = rating.tags.order_by("polarity", "position", "pk")
    return {
        "idempotency_key": key,
        "rating_id": rating.pk,
        "re_rating_of": f"rating-{rating.follows_id}" if rating.follows_id else None,
        "rated_at": timezone.localtime(rating.created_at).isoformat(timespec="seconds"),
        "level": rating.overall,
        "level_name": LEVELS[rating.overall],
        "dimensions": {
            "efficiency": rating.efficiency,
            "service_level": rating.service_level,
            "attitude": rating.attitude,
        },
        "tags": [tag.name_zh for tag in tags],
        "comment": rating.comment,
        "rated": rating.kind,  # matter | period | butler | visit
        "channel": "on_site" if rating.kind == Rating.Kind.VISIT else "online",
        "matter": (
            {
                "licence_type": licence_type.code,
                "licence_type_name": licence_type.name_zh,
                "certificate_number": licence.certificate_number,
            }
            if licence_type
            else None
        ),
        "company": {"credit_code": company.credit_code, "name": company.name},
        "butler": (
            {"name": butler.display_name, "card_number": period.card_number if period else ""}
            if butler
            else None
        ),
    }


def centre_push_make(*, rating: Rating) -> CentrePush | None:
    """The rating's push, due at once; None when the centre is not configured. Call it inside the rating's
    transaction, after its tags are set; the caller queues the send after commit."""
    if not centre_configured():
        return None
    key = centre_key(rating)
    push = CentrePush(
        rating=rating,
        key=key,
        payload=centre_payload(rating, key=key),
        created_at=rating.created_at,
        next_try_at=rating.created_at,
    )
    push.full_clean(validate_constraints=False)
    push.save()
    return push


def payload_bytes(payload: dict) -> bytes:
    """The body as sent: the same stored payload always gives the same bytes (keys sorted)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def lease() -> timedelta:
    """How long a claimed push is its claimant's: well past the HTTP timeout."""
    return timedelta(seconds=settings.BUTLER_RATING_CENTRE_TIMEOUT + 60)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th attempt failed: 1, 2, 4 … minutes, at most ``BACKOFF_CAP``."""
    return min(timedelta(minutes=2 ** min(attempts - 1, 20)), BACKOFF_CAP)


def centre_pushes_claim(*, now: datetime | None = None, limit: int = CLAIM, push_id: int | None = None):
    """Lease up to ``limit`` due pushes (or just ``push_id``, if due) to the caller, counting the attempt;
    their ids. Pushes a dead worker left after its last attempt are failed here."""
    now = now or timezone.now()
    with transaction.atomic():
        due = CentrePush.objects.filter(state=P.PENDING, next_try_at__lte=now)
        if push_id is not None:
            due = due.filter(pk=push_id)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        rows = list(due.order_by("next_try_at", "pk").values_list("pk", "attempts")[:limit])
        spent = [pk for pk, attempts in rows if attempts >= MAX_ATTEMPTS]
        ids = [pk for pk, attempts in rows if attempts < MAX_ATTEMPTS]
        if spent:
            for push in CentrePush.objects.filter(pk__in=spent):
                push.state, push.next_try_at = P.FAILED, None
                push.last_error = f"no answer recorded after {push.attempts} attempts"
                push.save(update_fields=["state", "next_try_at", "last_error"])
        if ids:
            leased = CentrePush.objects.filter(pk__in=ids)
            leased.update(attempts=F("attempts") + 1, next_try_at=now + lease())
    return ids


def centre_push_send(*, push_id: int, now: datetime | None = None) -> CentrePush:
    """Send a push the caller has claimed, and record the answer. No transaction is open while it waits."""
    push = CentrePush.objects.get(pk=push_id)
    try:
        status, reason, answer = _post(payload_bytes(push.payload), push.key)
    except (OSError, http.client.HTTPException) as error:
        return _record(push_id, status=None, answer="", error=f"{type(error).__name__}: {error}", now=now)
    return _record(push_id, status=status, answer=answer, error=f"HTTP {status} {reason}".strip(), now=now)


def centre_push_deliver(*, push_id: int, now: datetime | None = None) -> CentrePush | None:
    """Send this push now, if it is due and nobody else holds it (the task queued with the rating, delivered
    once or twice)."""
    if not centre_configured():
        return None
    if not centre_pushes_claim(now=now, limit=1, push_id=push_id):
        return None
    return centre_push_send(push_id=push_id, now=now)


def centre_pushes_send_due(*, now: datetime | None = None, batch: int = CLAIM) -> int:
    """Send every push whose time has come, ``batch`` claimed at a time; the number sent or answered."""
    if not centre_configured():
        return 0
    done = 0
    while True:
        ids = centre_pushes_claim(now=now, limit=batch)
        for push_id in ids:
            centre_push_send(push_id=push_id, now=now)
        done += len(ids)
        if len(ids) < batch:
            return done


def _post(body: bytes, key: str) -> tuple[int, str, str]:
    url = urlsplit(settings.BUTLER_RATING_CENTRE_URL)
    kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    peer = kind(url.hostname, url.port, timeout=settings.BUTLER_RATING_CENTRE_TIMEOUT)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Authorization": f"Bearer {settings.BUTLER_RATING_CENTRE_KEY}",
        "Idempotency-Key": key,
    }
    try:
        peer.request("POST", (url.path or "/") + (f"?{url.query}" if url.query else ""), body, headers)
        response = peer.getresponse()
        answer = response.read(ANSWER_LIMIT * 4).decode("utf-8", "replace")
    finally:
        peer.close()
    return response.status, response.reason or "", answer[:ANSWER_LIMIT]


def _record(push_id: int, *, status: int | None, answer: str, error: str, now: datetime | None) -> CentrePush:
    now = now or timezone.now()
    with transaction.atomic():
        push = CentrePush.objects.select_for_update().get(pk=push_id)
        if push.state != P.PENDING:  # recorded already (by a claimant whose lease ran out)
            return push
        push.answer_status, push.answer_body = status, answer
        if status is not None and 200 <= status < 300:
            push.state, push.sent_at, push.next_try_at, push.last_error = P.SENT, now, None, ""
            push.centre_id = _centre_id(answer)
        elif status is not None and 400 <= status < 500 and status != 429:
            push.state, push.next_try_at, push.last_error = P.FAILED, None, error
        elif push.attempts >= MAX_ATTEMPTS:
            push.state, push.next_try_at = P.FAILED, None
            push.last_error = f"{error} (attempt {push.attempts} of {MAX_ATTEMPTS}, the last)"
        else:
            push.next_try_at, push.last_error = now + backoff(push.attempts), error
        push.save()
    return push


def _centre_id(answer: str) -> str:
    try:
        data = json.loads(answer)
    except ValueError:
        return ""
    value = data.get("id") if isinstance(data, dict) else None
    return str(value)[:100] if value is not None else ""
