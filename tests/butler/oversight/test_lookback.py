"""The look-back report (回头看): what October promised, what it saw done, and what it left open — read on
Monday 2 November 2026."""

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from butler.contactlog import services as contacts
from butler.feedback.cases import case_classify, case_close, case_rectify, case_return_visit, case_verify
from butler.feedback.improvements import improvement_create, improvement_update
from butler.feedback.ratings import suggestion_submit
from butler.licences.services import licence_step
from butler.models import AuditCase, ContactRecord, Suggestion
from butler.oversight.lookback import lookback
from companies.models import CompanyLicence

SHANGHAI = ZoneInfo("Asia/Shanghai")
OCTOBER = {"since": date(2026, 10, 1), "until": date(2026, 10, 31)}
TODAY = date(2026, 11, 2)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def on(moment: datetime):
    """Do something as of that moment (the services stamp 'now')."""
    return time_machine.travel(moment, tick=False)


def call(world, day: int, summary: str, *, return_visit_in: int | None = None) -> ContactRecord:
    return contacts.contact_record(
        actor=world.butler_a.user,
        company=world.company_a,
        channel=ContactRecord.Channel.PHONE,
        summary=summary,
        occurred_at=at(10, day),
        return_visit_in=return_visit_in,
    )


@pytest.fixture
def october(world):
    """Company A in October: two calls promising a return visit (one made, one not), its licence obtained,
    a suggestion's case taken through every step and closed, another suggestion's case never verified, one
    improvement done and one not. Company B: a licence whose renewal was due on 10-21 and not applied for."""
    kept = call(world, 12, "询问年审材料", return_visit_in=3)  # due 10-15
    contacts.return_visit_complete(
        actor=world.butler_a.user, record=kept, outcome="已补齐", done_at=at(10, 14)
    )
    call(world, 20, "车辆过户咨询", return_visit_in=2)  # due 10-22, never made

    licence = CompanyLicence.objects.get(company=world.company_a)
    licence_step(actor=world.butler_a.user, licence=licence, to="applied", on=date(2026, 10, 12))
    licence_step(
        actor=world.butler_a.user,
        licence=licence,
        to="issued",
        on=date(2026, 10, 26),
        certificate_number="浙B-1",
    )

    b_licence = CompanyLicence.objects.get(company=world.company_b)
    licence_step(actor=world.butler_b.user, licence=b_licence, to="applied", on=date(2026, 10, 9))
    licence_step(
        actor=world.butler_b.user,
        licence=b_licence,
        to="issued",
        on=date(2026, 10, 10),
        certificate_number="浙B-2",
        expires_on=date(2026, 11, 20),  # apply for renewal by 10-21
    )

    with on(at(10, 12, 9)):
        suggestion = suggestion_submit(
            actor=world.contact_a, category=Suggestion.Category.WAITING, text="排队太久"
        )
    case = suggestion.case
    with on(at(10, 12, 15)):
        case = case_verify(actor=world.butler_a.user, case=case, note="确认排队40分钟")
    with on(at(10, 13, 11)):
        case = case_classify(actor=world.manager, case=case, finding=AuditCase.Finding.VALID)
    with on(at(10, 20, 16)):
        case = case_rectify(actor=world.butler_a.user, case=case, rectification="增开一个窗口")
    with on(at(10, 22, 10)):
        case = case_return_visit(actor=world.butler_a.user, case=case, note="已告知企业整改情况")
    with on(at(10, 23, 17)):
        case_close(actor=world.manager, case=case)
    with on(at(10, 19, 9)):
        suggestion_submit(actor=world.contact_a, category=Suggestion.Category.ONLINE, text="网上申报老掉线")

    with on(at(10, 14)):
        done = improvement_create(
            actor=world.manager, title="增开周六窗口", owner=world.manager, due_on=date(2026, 10, 30)
        )
        improvement_create(
            actor=world.manager, title="网上申报指引", owner=world.butler_a.user, due_on=date(2026, 10, 28)
        )
    with on(at(10, 29)):
        improvement_update(actor=world.manager, action=done, status="done", outcome="十月起每周六开放")
    return world


def kinds(section) -> list[tuple[str, str]]:
    return [(item.kind, item.what) for item in section.items]


def test_a_return_visit_made_is_kept_and_one_not_made_is_open_and_overdue(october):
    report = lookback(**OCTOBER, today=TODAY)
    promised = {item.what: item for item in report.promised.items if item.kind == "return_visit"}
    assert set(promised) == {"询问年审材料", "车辆过户咨询"}
    assert promised["询问年审材料"].is_done and promised["询问年审材料"].done_on == date(2026, 10, 14)
    assert not promised["询问年审材料"].late
    assert ("return_visit_made", "询问年审材料") in kinds(report.done)
    open_visits = [item for item in report.open.items if item.kind == "return_visit"]
    assert [(item.what, item.due, item.days_overdue) for item in open_visits] == [
        ("车辆过户咨询", date(2026, 10, 22), 11)
    ]
    assert open_visits[0].who == "王丽娜" and open_visits[0].company == october.company_a


def test_a_licence_obtained_in_the_window_is_done(october):
    report = lookback(**OCTOBER, today=TODAY)
    obtained = [item for item in report.done.items if item.kind == "obtained"]
    assert [(item.company, item.done_on) for item in obtained] == [
        (october.company_b, date(2026, 10, 10)),
        (october.company_a, date(2026, 10, 26)),
    ]
    # Its deadline to obtain (2027-01-01) was not in October: not a promise of these days.
    assert not [item for item in report.promised.items if item.kind == "obtain"]


def test_a_renewal_due_in_the_window_and_not_applied_for_is_open(october):
    report = lookback(**OCTOBER, today=TODAY)
    renewals = [item for item in report.open.items if item.kind == "renew"]
    assert [(item.company, item.due, item.days_overdue) for item in renewals] == [
        (october.company_b, date(2026, 10, 21), 12)
    ]


def test_a_renewal_applied_for_and_granted_since_still_counts_as_a_kept_promise(october):
    licence = CompanyLicence.objects.get(company=october.company_b)
    licence_step(actor=october.butler_b.user, licence=licence, to="renewal_applied", on=date(2026, 10, 27))
    licence_step(
        actor=october.butler_b.user,
        licence=licence,
        to="issued",
        on=date(2026, 10, 30),
        certificate_number="浙B-3",
    )
    licence.refresh_from_db()
    assert licence.renew_by > date(2027, 1, 1)  # the deadline moved on with the new certificate
    report = lookback(**OCTOBER, today=TODAY)
    renewal = next(item for item in report.promised.items if item.kind == "renew")
    assert (renewal.due, renewal.done_on, renewal.late) == (date(2026, 10, 21), date(2026, 10, 27), True)
    assert ("renewed", str(licence)) in kinds(report.done)
    assert not [item for item in report.open.items if item.kind == "renew"]


def test_a_closed_case_has_each_step_kept_and_is_rectified_and_closed(october):
    with translation.override("en"):
        report = lookback(**OCTOBER, today=TODAY)
    closed = AuditCase.objects.get(step=AuditCase.Step.CLOSED)
    steps = {item.what: item for item in report.promised.items if item.what.startswith(closed.number)}
    assert set(steps) == {
        f"{closed.number} · To verify",
        f"{closed.number} · To classify",
        f"{closed.number} · Report back due",
        f"{closed.number} · To close",
    }  # the rectification was due on 11-02, after October
    assert all(item.is_done for item in steps.values())
    assert steps[f"{closed.number} · To verify"].done_on == date(2026, 10, 12)
    assert ("rectified", closed.number) in kinds(report.done)
    assert ("closed", closed.number) in kinds(report.done)
    assert next(i for i in report.done.items if i.kind == "closed").done_on == date(2026, 10, 23)


def test_a_case_never_verified_is_open_and_overdue(october):
    report = lookback(**OCTOBER, today=TODAY)
    waiting = AuditCase.objects.get(step=AuditCase.Step.VERIFY)
    open_case = [item for item in report.open.items if item.what.startswith(waiting.number)]
    assert [(item.kind, item.due, item.days_overdue) for item in open_case] == [
        ("case_step", date(2026, 10, 20), 13)
    ]


def test_improvements_done_and_due(october):
    report = lookback(**OCTOBER, today=TODAY)
    assert ("improvement_done", "增开周六窗口") in kinds(report.done)
    assert [(item.what, item.days_overdue) for item in report.open.items if item.kind == "improvement"] == [
        ("网上申报指引", 5)
    ]


def test_open_items_come_most_overdue_first_and_every_open_item_was_promised(october):
    report = lookback(**OCTOBER, today=TODAY)
    overdue = [item.days_overdue for item in report.open.items]
    assert overdue == sorted(overdue, reverse=True)
    assert all(item in report.promised.items for item in report.open.items)
    assert report.open.count == report.promised.count - report.kept
    assert report.open.overdue == 4  # return visit, renewal, verification, improvement


def test_nothing_outside_the_window(october):
    report = lookback(since=date(2026, 9, 1), until=date(2026, 9, 30), today=TODAY)
    assert (report.promised.count, report.done.count, report.open.count) == (0, 0, 0)


def _more_of_october(world, first: int, stop: int):
    """Rows ``first``..``stop - 1`` in each part of the report, on 12 … 31 October in turn: a call promising a
    return visit (every other one made), a vehicle's certificate to obtain (every other one obtained), a
    driver's qualification to renew, a suggestion whose case is to be verified, and an improvement due."""
    from companies.models import LicenceType, Person, Vehicle

    vehicle_certificate = LicenceType.objects.get(code="vehicle_certificate")
    qualification = LicenceType.objects.get(code="driver_qualification")
    for n in range(first, stop):
        day = 12 + n % 20
        record = call(world, day, f"第{n}次回访", return_visit_in=1)
        if n % 2:
            contacts.return_visit_complete(
                actor=world.butler_a.user, record=record, outcome="已回访", done_at=at(10, day, 16)
            )
        vehicle = Vehicle.objects.create(
            company=world.company_a, plate=f"浙B{n:05d}", vehicle_type="truck", total_mass_kg=18000
        )
        CompanyLicence.objects.create(
            company=world.company_a,
            licence_type=vehicle_certificate,
            vehicle=vehicle,
            subject_key=f"vehicle:{vehicle.pk}",
            status="issued" if n % 2 else "required",
            obtain_by=date(2026, 10, day),
            first_issued_on=date(2026, 10, day) if n % 2 else None,
            issued_on=date(2026, 10, day) if n % 2 else None,
        )
        person = Person.objects.create(company=world.company_a, name=f"司机{n}", role="driver")
        CompanyLicence.objects.create(
            company=world.company_a,
            licence_type=qualification,
            person=person,
            subject_key=f"person:{person.pk}",
            status="issued",
            issued_on=date(2020, 11, 30),
            first_issued_on=date(2020, 11, 30),
            expires_on=date(2026, 11, 30),
            renew_by=date(2026, 10, day),
        )
        with on(at(10, day, 9)):
            suggestion_submit(actor=world.contact_a, category=Suggestion.Category.OTHER, text=f"建议{n}")
        with on(at(10, 9)):
            improvement_create(
                actor=world.manager, title=f"改进{n}", owner=world.butler_a.user, due_on=date(2026, 10, day)
            )


def test_the_report_takes_a_fixed_number_of_queries(october):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts, reports = [], []
    for first, stop in ((0, 3), (3, 30)):
        _more_of_october(october, first, stop)
        with CaptureQueriesContext(connection) as queries:
            reports.append(lookback(**OCTOBER, today=TODAY))
        counts.append(len(queries))
    for size, report in zip((3, 30), reports, strict=True):
        promised = Counter(item.kind for item in report.promised.items)
        done = Counter(item.kind for item in report.done.items)
        kinds_filled = ("return_visit", "obtain", "renew", "case_step", "improvement")
        assert min(promised[kind] for kind in kinds_filled) >= size
        assert min(done["return_visit_made"], done["obtained"]) >= size // 2
        assert len(report.open.items) >= 4 * size - size // 2
    assert counts[0] == counts[1] <= 7  # measured 6 on SQLite and PostgreSQL, every part filled


# --- the page -----------------------------------------------------------------------------------------------


def test_the_page_shows_last_month_by_default_with_each_item_in_its_section(client, october):
    client.force_login(october.manager)
    response = client.get(reverse("oversight:lookback"), **EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert "From 2026-10-01 to 2026-10-31" in page
    assert october_window_name() in page
    promised, done, still_open = (
        page[page.index('id="promised"') : page.index('id="done"')],
        page[page.index('id="done"') : page.index('id="open"')],
        page[page.index('id="open"') :],
    )
    assert "询问年审材料" in promised and "车辆过户咨询" in promised
    assert "询问年审材料" in done and "车辆过户咨询" not in done
    assert "车辆过户咨询" in still_open and "询问年审材料" not in still_open
    closed = AuditCase.objects.get(step=AuditCase.Step.CLOSED).number
    assert closed in done and closed not in still_open
    assert "data-print" in page and "onclick" not in page
    assert "js/print.js" in page and "css/lookback.css" in page


def october_window_name() -> str:
    from butler.service.window import window_name

    return window_name()


def test_the_page_takes_a_chosen_window(client, october):
    client.force_login(october.manager)
    response = client.get(reverse("oversight:lookback"), {"since": "2026-10-20", "until": "2026-10-25"}, **EN)
    assert response.status_code == 200
    assert response.context["report"].since == date(2026, 10, 20)
    page = response.content.decode()
    assert "车辆过户咨询" in page and "询问年审材料" not in page


@pytest.mark.parametrize(
    "query",
    [
        {"since": "yesterday"},
        {"since": "2026-02-30"},
        {"until": "2026-10-99"},
        {"since": "2026-10-31", "until": "2026-10-01"},
        {"since": "2024-01-01", "until": "2026-10-01"},
    ],
)
def test_bad_dates_show_an_error_on_the_form_not_a_crash(client, october, query):
    client.force_login(october.manager)
    response = client.get(reverse("oversight:lookback"), query, **EN)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "invalid-feedback" in response.content.decode()
    assert response.context["report"].since == date(2026, 10, 1)  # the last month meanwhile


def test_a_start_alone_runs_to_the_end_of_last_month(client, world):
    client.force_login(world.manager)
    response = client.get(reverse("oversight:lookback"), {"since": "2026-09-01"})
    report = response.context["report"]
    assert (report.since, report.until) == (date(2026, 9, 1), date(2026, 10, 31))
