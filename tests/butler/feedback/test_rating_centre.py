"""Every rating pushed to the provincial rating centre, against a stand-in centre on loopback: what it is
told, once per key, retried on its errors, failed on its refusals, and nothing at all when not configured."""

import json
import threading
from datetime import datetime, timedelta
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse

from butler.feedback import centre as service
from butler.feedback import ratings as ratings_module
from butler.feedback.centre import (
    centre_pushes_claim,
    centre_pushes_send_due,
    payload_bytes,
)
from butler.feedback.models import CentrePush, RatingTag
from butler.feedback.on_site import rating_on_site
from butler.feedback.ratings import rating_follow_up, rating_submit
from butler.feedback.tasks import push_rating_to_centre, push_ratings_to_centre
from companies.services import trip_record
from tests.conftest import NOW, issue_road_freight_licence, make_user
from tests.integration.sinks import RatingCentre

SHANGHAI = ZoneInfo("Asia/Shanghai")
P = CentrePush.State
T0 = NOW  # 2026-11-02 09:30, Beijing time


@pytest.fixture
def centre(settings):
    peer = RatingCentre(api_key="centre-key-1").start()
    settings.BUTLER_RATING_CENTRE_URL = peer.url
    settings.BUTLER_RATING_CENTRE_KEY = "centre-key-1"
    settings.BUTLER_RATING_CENTRE_TIMEOUT = 5
    yield peer
    peer.stop()


@pytest.fixture
def task_lost(monkeypatch):
    """The task queued with the rating never reaches a worker: only the sweep sends."""

    class Lost:
        def delay(self, *args):
            pass

    monkeypatch.setattr(ratings_module, "push_rating_to_centre", Lost())


def _butler_rating(world, *, overall=2, comment="电话没人接", now=T0):
    return rating_submit(actor=world.contact_a, kind="butler", overall=overall, comment=comment, now=now)


def _push(rating) -> CentrePush:
    return CentrePush.objects.get(rating=rating)


def test_a_rating_reaches_the_centre_once_with_what_it_says(
    world, centre, django_capture_on_commit_callbacks
):
    licence = issue_road_freight_licence(world, certificate_number="浙交运管许可甬字330206000123号")
    quick = RatingTag.objects.get(name_zh="材料精简")
    with django_capture_on_commit_callbacks(execute=True):
        rating = rating_submit(
            actor=world.contact_a,
            kind="matter",
            licence=licence,
            overall=5,
            efficiency=4,
            comment="一次办好",
            tags=[quick],
            now=T0,
        )

    assert len(centre.received) == 1
    call = centre.received[0]
    assert call.authorization == "Bearer centre-key-1"
    assert call.key == f"rating-{rating.pk}"
    assert call.content_type == "application/json; charset=utf-8"
    assert call.payload == {
        "idempotency_key": f"rating-{rating.pk}",
        "rating_id": rating.pk,
        "re_rating_of": None,
        "rated_at": "2026-11-02T09:30:00+08:00",
        "level": 5,
        "level_name": "非常满意",
        "dimensions": {"efficiency": 4, "service_level": None, "attitude": None},
        "tags": ["材料精简"],
        "comment": "一次办好",
        "rated": "matter",
        "channel": "online",
        "matter": {
            "licence_type": "road_freight_licence",
            "licence_type_name": "道路运输经营许可证（普通货运）",
            "certificate_number": "浙交运管许可甬字330206000123号",
        },
        "company": {"credit_code": "91330206MA0000001B", "name": "宁波北仑顺达1物流有限公司"},
        "butler": {"name": "王丽娜", "card_number": "BL-2026-0001"},
    }
    push = _push(rating)
    assert (push.state, push.attempts, push.answer_status, push.centre_id) == (P.SENT, 1, 201, "HCP-0001")
    assert push.answer_body == '{"id": "HCP-0001"}'
    assert push.next_try_at is None and push.sent_at is not None
    assert push.history.count() == 2  # made, then recorded as sent (the lease is not a version)

    # The task delivered a second time, the sweep a minute and an hour later: the centre hears nothing more.
    push_rating_to_centre(push.pk)
    assert centre_pushes_send_due(now=T0 + timedelta(minutes=1)) == 0
    assert centre_pushes_send_due(now=T0 + timedelta(hours=1)) == 0
    assert len(centre.received) == 1 and centre.keys() == [f"rating-{rating.pk}"]


def test_a_re_rating_and_a_visit_rated_on_the_spot_go_under_keys_of_their_own(world, centre, task_lost):
    first = _butler_rating(world, overall=2, comment="电话没人接")
    again = rating_follow_up(actor=world.contact_a, rating=first, overall=4, comment="回访后解决了", now=T0)
    licence = issue_road_freight_licence(world)
    trip = trip_record(actor=world.butler_a.user, licence=licence, on=T0.date(), purpose="领取许可证")
    visit = rating_on_site(trip=trip, overall=3, now=T0)

    assert centre_pushes_send_due(now=T0 + timedelta(seconds=1)) == 3
    by_key = {call.key: call.payload for call in centre.accepted}
    assert sorted(by_key) == sorted([f"rating-{first.pk}", f"rating-{first.pk}-again", f"rating-{visit.pk}"])
    assert _push(again).key == f"rating-{first.pk}-again"
    re_rating = by_key[f"rating-{first.pk}-again"]
    assert (re_rating["re_rating_of"], re_rating["level"], re_rating["level_name"]) == (
        f"rating-{first.pk}",
        4,
        "满意",
    )
    assert (re_rating["rated"], re_rating["comment"], re_rating["matter"]) == ("butler", "回访后解决了", None)
    on_spot = by_key[f"rating-{visit.pk}"]
    assert (on_spot["channel"], on_spot["rated"], on_spot["level_name"]) == ("on_site", "visit", "基本满意")
    assert on_spot["matter"]["licence_type"] == "road_freight_licence"
    assert set(CentrePush.objects.values_list("state", flat=True)) == {P.SENT}


def test_the_sweep_sends_a_push_whose_task_was_lost_and_run_twice_sends_it_once(world, centre, task_lost):
    rating = _butler_rating(world)
    assert centre.received == []
    assert _push(rating).next_try_at == T0

    assert centre_pushes_send_due(now=T0 + timedelta(seconds=30)) == 1
    assert centre_pushes_send_due(now=T0 + timedelta(seconds=30)) == 0
    assert push_ratings_to_centre() == 0  # the beat's task, on the world's clock
    assert len(centre.received) == 1
    assert _push(rating).state == P.SENT


def test_a_push_sent_again_after_a_worker_died_carries_the_same_payload(world, centre, task_lost):
    rating = _butler_rating(world)
    push = _push(rating)
    # A worker claims the push, sends it, and dies before recording the answer.
    assert centre_pushes_claim(now=T0) == [push.pk]
    service._post(payload_bytes(push.payload), push.key)
    # Within its lease nobody else sends it; once the lease (timeout 5 s + 60 s) has run out, the sweep does.
    assert centre_pushes_send_due(now=T0 + timedelta(seconds=64)) == 0
    assert centre_pushes_send_due(now=T0 + timedelta(seconds=65)) == 1

    assert [call.key for call in centre.received] == [f"rating-{rating.pk}"] * 2
    assert centre.received[0].body == centre.received[1].body
    assert len(centre.accepted) == 1
    push.refresh_from_db()
    assert (push.state, push.attempts, push.centre_id) == (P.SENT, 2, "HCP-0001")


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (HTTPStatus.INTERNAL_SERVER_ERROR, "HTTP 500 Internal Server Error"),
        (HTTPStatus.SERVICE_UNAVAILABLE, "HTTP 503 Service Unavailable"),
        (HTTPStatus.TOO_MANY_REQUESTS, "HTTP 429 Too Many Requests"),
    ],
)
def test_a_server_error_is_tried_again_a_minute_later_and_the_answer_kept(
    world, centre, task_lost, status, reason
):
    rating = _butler_rating(world)
    centre.trouble = [(status, {"error": "busy"})]

    assert centre_pushes_send_due(now=T0) == 1
    push = _push(rating)
    assert (push.state, push.attempts, push.answer_status) == (P.PENDING, 1, int(status))
    assert (push.answer_body, push.last_error) == ('{"error": "busy"}', reason)
    assert push.next_try_at == datetime(2026, 11, 2, 9, 31, tzinfo=SHANGHAI)

    assert centre_pushes_send_due(now=T0 + timedelta(seconds=59)) == 0
    assert len(centre.received) == 1
    assert centre_pushes_send_due(now=T0 + timedelta(minutes=1)) == 1
    push.refresh_from_db()
    assert (push.state, push.attempts, push.answer_status, push.centre_id) == (P.SENT, 2, 201, "HCP-0001")
    assert (push.sent_at, push.last_error) == (T0 + timedelta(minutes=1), "")
    assert centre.received[0].body == centre.received[1].body


def test_a_refusal_fails_at_once_with_the_centres_answer(world, centre, task_lost):
    rating = _butler_rating(world)
    centre.trouble = [(HTTPStatus.BAD_REQUEST, {"error": "unknown credit_code"})]

    assert centre_pushes_send_due(now=T0) == 1
    push = _push(rating)
    assert (push.state, push.attempts, push.answer_status) == (P.FAILED, 1, 400)
    assert (push.answer_body, push.last_error) == ('{"error": "unknown credit_code"}', "HTTP 400 Bad Request")
    assert push.next_try_at is None and push.sent_at is None
    assert centre_pushes_send_due(now=T0 + timedelta(days=1)) == 0
    assert len(centre.received) == 1


def test_an_unreachable_centre_is_tried_with_growing_waits_then_given_up(world, centre, settings, task_lost):
    rating = _butler_rating(world)
    centre.stop()  # nothing listens there any more
    waits, moment = [], T0
    for _ in range(service.MAX_ATTEMPTS):
        assert centre_pushes_send_due(now=moment) == 1
        push = _push(rating)
        if push.state != P.PENDING:
            break
        assert push.last_error.startswith("ConnectionRefusedError")
        waits.append((push.next_try_at - moment) // timedelta(minutes=1))
        moment = push.next_try_at
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360]
    assert (push.state, push.attempts, push.answer_status) == (P.FAILED, 12, None)
    assert push.last_error.endswith("(attempt 12 of 12, the last)")
    assert centre_pushes_send_due(now=moment + timedelta(days=7)) == 0


def test_nothing_is_kept_or_sent_when_the_centre_is_not_configured(
    world, centre, settings, django_capture_on_commit_callbacks
):
    settings.BUTLER_RATING_CENTRE_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        _butler_rating(world)
    assert CentrePush.objects.count() == 0
    assert centre_pushes_send_due(now=T0 + timedelta(hours=1)) == 0
    assert centre.received == []


def test_the_rating_page_and_the_list_of_pushes_show_the_answer_and_change_nothing(
    world, centre, client, task_lost
):
    rating = _butler_rating(world)
    centre.trouble = [(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": "日期格式不对"})]
    centre_pushes_send_due(now=T0)
    push = _push(rating)
    client.force_login(make_user("root", is_superuser=True, is_staff=True))

    page = client.get(reverse("admin:butler_rating_change", args=[rating.pk])).content.decode()
    assert f"rating-{rating.pk}" in page and "日期格式不对" in page and "HTTP 422 Unprocessable" in page
    listing = client.get(reverse("admin:butler_centrepush_changelist"))
    assert listing.status_code == 200
    assert reverse("admin:butler_centrepush_change", args=[push.pk]) in listing.content.decode()
    assert client.get(reverse("admin:butler_centrepush_add")).status_code == 403
    changed = {"state": "sent", "payload": "{}"}
    assert client.post(reverse("admin:butler_centrepush_change", args=[push.pk]), changed).status_code == 403
    push.refresh_from_db()
    assert push.state == P.FAILED


# --- two workers at once (PostgreSQL) ---------------------------------------------------------------------


def _more_pushes(rating, count: int) -> list[int]:
    """Pushes made as the service makes them, under keys of their own (a contact has few things to rate)."""
    payload = json.loads(json.dumps(_push(rating).payload))
    return [
        CentrePush.objects.create(
            rating=rating, key=f"rating-{rating.pk}-copy-{n}", payload=payload, next_try_at=T0, created_at=T0
        ).pk
        for n in range(count)
    ]


@pytest.fixture
def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's")


@pytest.mark.django_db(transaction=True)
def test_a_claim_skips_the_pushes_another_worker_holds(world, centre, task_lost, on_postgresql):
    rating = _butler_rating(world)
    every = sorted([_push(rating).pk, *_more_pushes(rating, 4)])
    held, claimed, errors, waited = threading.Event(), [], [], []
    done = threading.Event()

    def first_worker():
        try:
            with transaction.atomic():  # its claim's locks held until the second has claimed
                claimed.append(centre_pushes_claim(now=T0, limit=2))
                held.set()
                # the second claim returns while these locks are held, or this times out
                waited.append(done.wait(timeout=5))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            held.set()
            connections.close_all()

    worker = threading.Thread(target=first_worker)
    worker.start()
    assert held.wait(timeout=10)
    claimed.append(centre_pushes_claim(now=T0, limit=10))  # does not wait for the first worker
    done.set()
    worker.join(timeout=10)

    assert errors == [] and waited == [True]
    first, second = claimed
    assert len(first) == 2 and len(second) == 3
    assert sorted(first + second) == every


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_push_once(world, centre, task_lost, on_postgresql):
    rating = _butler_rating(world)
    keys = {f"rating-{rating.pk}"} | {
        key for key in CentrePush.objects.filter(pk__in=_more_pushes(rating, 5)).values_list("key", flat=True)
    }
    centre.delay = 0.2  # a slow centre: both sweeps are sending at the same time
    barrier, counts, errors = threading.Barrier(2), [], []

    def sweep():
        try:
            barrier.wait(timeout=10)
            counts.append(centre_pushes_send_due(now=T0, batch=1))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    sweeps = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in sweeps:
        thread.start()
    for thread in sweeps:
        thread.join(timeout=30)

    assert errors == []
    assert sum(counts) == 6 and all(count > 0 for count in counts)
    assert sorted(call.key for call in centre.received) == sorted(keys)  # each once, repeats none
    assert set(CentrePush.objects.values_list("state", flat=True)) == {P.SENT}
