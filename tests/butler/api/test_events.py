"""The approval system's events: each applied once, in order, through the same steps as the pages."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from butler.api.models import ApprovalCase, ApprovalEvent
from companies.models import CompanyLicence, LicenceStatus, Trip
from reminders.models import Notice, Reminder
from tests.butler.api.conftest import client_with, token_for

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
CASE = "330206-2026-JT-000123"


@pytest.fixture
def system(world):
    """The approval system's key: events only, acting as the window's manager."""
    return client_with(token_for(world.manager, "events")[1])


@pytest.fixture
def licence(world):
    return CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")


def event(world, event_id: str, kind: str, at: str, **fields) -> dict:
    return {
        "event_id": event_id,
        "case_number": CASE,
        "kind": kind,
        "occurred_at": at,
        "credit_code": world.company_a.credit_code,
        "licence_type": "road_freight_licence",
        **fields,
    }


def accepted(world, event_id="E-1", at="2026-10-20T09:00:00+08:00"):
    return event(world, event_id, "accepted", at, channel="online")


def issued(world, event_id="E-3", at="2026-10-30T15:00:00+08:00"):
    return event(world, event_id, "issued", at, certificate_number="浙交运管许可甬字330206004321号")


def test_the_same_event_three_times_is_applied_once(world, system, licence):
    first = system.post("/api/v1/events/", accepted(world), format="json")
    versions = licence.history.count()
    answers = [first, *(system.post("/api/v1/events/", accepted(world), format="json") for _ in range(2))]

    assert [answer.status_code for answer in answers] == [201, 200, 200]
    assert (
        answers[0].json()
        == answers[2].json()
        == {
            "event_id": "E-1",
            "case_number": CASE,
            "licence": licence.pk,
            "kind": "accepted",
            "occurred_at": "2026-10-20T09:00:00+08:00",
            "outcome": "applied",
            "status_after": "applied",
        }
    )
    licence.refresh_from_db()
    assert (licence.status, licence.accepted_on, licence.channel) == ("applied", date(2026, 10, 20), "online")
    assert ApprovalEvent.objects.count() == 1
    assert licence.history.count() == versions  # the repeats changed nothing


def test_an_accepted_application_gets_its_due_dates_and_reminders(world, system, licence):
    system.post("/api/v1/events/", accepted(world), format="json")

    licence.refresh_from_db()
    # 20 working days from Tuesday 2026-10-20 (the statutory limit); the window's committed 5.
    assert (licence.statutory_due_on, licence.committed_due_on) == (date(2026, 11, 17), date(2026, 10, 27))
    assert licence.application.channel == "online"
    assert not Trip.objects.filter(licence=licence).exists()  # filed online: no visit


def test_a_full_case_in_order_then_an_old_event_late(world, system, licence):
    missing = event(
        world,
        "E-2",
        "materials_missing",
        "2026-10-22T10:00:00+08:00",
        materials=[{"name": "安全生产管理制度文本", "reason": "未加盖公章"}],
        supply_by="2026-10-29",
    )
    supplied = event(world, "E-2b", "accepted", "2026-10-26T09:00:00+08:00")
    steps = [accepted(world), missing, supplied, issued(world)]

    outcomes = [system.post("/api/v1/events/", step, format="json").json()["status_after"] for step in steps]

    assert outcomes == ["applied", "supplementing", "applied", "issued"]
    licence.refresh_from_db()
    assert licence.certificate_number == "浙交运管许可甬字330206004321号"
    assert (licence.issued_on, licence.expires_on, licence.renew_by) == (
        date(2026, 10, 30),
        date(2030, 10, 29),
        date(2030, 9, 29),
    )
    assert licence.paused_days == 2  # Thursday 22 to Monday 26: two working days stood still
    late = system.post(
        "/api/v1/events/",
        event(world, "E-0", "refused", "2026-10-21T09:00:00+08:00", reasons="材料不全"),
        format="json",
    )
    assert late.status_code == 201
    assert (late.json()["outcome"], late.json()["status_after"]) == ("stale", "issued")
    licence.refresh_from_db()
    assert licence.status == "issued" and licence.refusal_reasons == ""
    assert ApprovalCase.objects.get(number=CASE).applied_at == datetime(2026, 10, 30, 15, 0, tzinfo=BEIJING)


def test_an_event_older_than_a_step_recorded_on_the_pages_is_not_applied(world, system, licence):
    from butler.licences.services import licence_step

    licence_step(actor=world.butler_a.user, licence=licence, to=LicenceStatus.APPLIED, on=date(2026, 10, 28))

    answer = system.post("/api/v1/events/", accepted(world, at="2026-10-20T09:00:00+08:00"), format="json")

    assert answer.json()["outcome"] == "stale"
    licence.refresh_from_db()
    assert licence.accepted_on == date(2026, 10, 28)


def test_an_event_finding_the_licence_already_there_is_recorded(world, system, licence):
    from butler.licences.services import licence_step

    licence_step(actor=world.butler_a.user, licence=licence, to=LicenceStatus.APPLIED, on=date(2026, 10, 20))

    answer = system.post("/api/v1/events/", accepted(world, at="2026-10-20T11:00:00+08:00"), format="json")

    assert (answer.status_code, answer.json()["outcome"]) == (201, "already")


def test_the_company_gets_the_one_complete_notice_of_missing_materials(world, system, licence):
    system.post("/api/v1/events/", accepted(world), format="json")
    missing = event(
        world,
        "E-2",
        "materials_missing",
        "2026-10-22T10:00:00+08:00",
        materials=[{"name": "Safety management rules", "reason": "未加盖公章"}],
        supply_by="2026-10-29",
    )

    system.post("/api/v1/events/", missing, format="json")

    [notice] = Notice.objects.filter(recipient=world.contact_a)
    assert "安全生产管理制度文本" in notice.shown_body
    assert "未加盖公章" in notice.shown_body


def test_an_issued_licence_is_reminded_of_its_renewal(world, system, licence):
    system.post("/api/v1/events/", accepted(world), format="json")
    system.post("/api/v1/events/", issued(world), format="json")

    renewals = Reminder.objects.filter(kind="renew_by", due_on=date(2030, 9, 29))
    assert {reminder.recipient for reminder in renewals} >= {world.contact_a, world.butler_a.user}


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"kind": "issued", "certificate_number": ""}, {"certificate_number": ["该字段不能为空。"]}),
        (
            {"kind": "materials_missing", "materials": [{"name": "营业执照原件"}], "supply_by": "2026-10-29"},
            {"materials": ["不是该事项的材料：营业执照原件。"]},
        ),
        ({"occurred_at": "2027-01-01T09:00:00+08:00"}, {"occurred_at": ["日期不能晚于今天。"]}),
        ({"credit_code": "", "case_number": "NEW-1"}, {"credit_code": ["该字段不能为空。"]}),
        ({"licence_type": "no_such_licence"}, {"licence_type": ["该企业的证照清单上没有这项证照。"]}),
        ({"kind": "collected"}, {"kind": ["“collected” 不是合法选项。"]}),
    ],
)
def test_a_wrong_event_is_refused_naming_the_field_and_changes_nothing(
    world, system, licence, changes, errors
):
    sent = {**accepted(world), **changes}

    answer = system.post("/api/v1/events/", sent, format="json")

    assert answer.status_code == 400
    assert answer.json() == errors
    licence.refresh_from_db()
    assert licence.status == "required"
    assert not ApprovalEvent.objects.exists()


def test_an_event_the_life_cycle_does_not_allow_is_a_conflict(world, system, licence):
    refused = event(world, "E-9", "refused", "2026-10-20T09:00:00+08:00", reasons="不符合条件")

    answer = system.post("/api/v1/events/", refused, format="json")

    assert answer.status_code == 409
    assert answer.json() == {"kind": ["处于“待办理”状态的证照不能变更为“不予许可”。"]}
    assert not ApprovalEvent.objects.exists()


def test_a_refusal_without_its_reasons_is_refused_naming_them(world, system, licence):
    system.post("/api/v1/events/", accepted(world), format="json")

    answer = system.post(
        "/api/v1/events/", event(world, "E-9", "refused", "2026-10-23T09:00:00+08:00"), format="json"
    )

    assert answer.status_code == 400
    assert answer.json() == {"reasons": ["请填写不予许可的理由。"]}
    licence.refresh_from_db()
    assert licence.status == "applied"


def test_a_key_sees_only_the_companies_its_user_may_change(world, licence):
    butler_b = client_with(token_for(world.butler_b.user, "events")[1])

    answer = butler_b.post("/api/v1/events/", accepted(world), format="json")

    assert answer.status_code == 400
    assert answer.json() == {"credit_code": ["此密钥无权更改该统一社会信用代码对应的企业。"]}
    licence.refresh_from_db()
    assert licence.status == "required"


def test_a_known_case_needs_only_its_number(world, system, licence):
    system.post("/api/v1/events/", accepted(world), format="json")
    bare = {
        "event_id": "E-3",
        "case_number": CASE,
        "kind": "issued",
        "occurred_at": "2026-10-30T15:00:00+08:00",
    }

    answer = system.post(
        "/api/v1/events/", {**bare, "certificate_number": "浙交运管许可甬字330206009999号"}, format="json"
    )

    assert answer.json()["status_after"] == "issued"
