"""The manager's dashboard: every figure against a hand-counted scene (with the butler and business-type
filters and the ratings set aside), who may open it, the lists behind the figures, the export, and a
number of queries that does not grow with the data; the daily figures that stand in for the live count
of past days."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from butler.feedback.cases import (
    case_classify,
    case_close,
    case_rectify,
    case_return_visit,
    case_verify,
    dispute_decide,
)
from butler.feedback.ratings import rating_submit, suggestion_submit
from butler.firstvisit.services import first_visit_register
from butler.licences.services import licence_step, trip_add
from butler.messaging.services import message_send, thread_start
from butler.models import AuditCase, DashboardDay, MessageThread, Rating, ServicePeriod, Suggestion
from butler.oversight.dashboard import dashboard_figures, workload_first
from butler.oversight.dashboard_drills import drill_rows
from butler.oversight.dashboard_scope import WORKING_DAY_MINUTES
from butler.oversight.days import HISTORY_DAYS, RECOMPUTE_DAYS, dashboard_days_compute, dashboard_days_refresh
from butler.security import roles
from butler.service.services import service_period_transfer
from butler.tasks import refresh_dashboard_days
from companies.models import BusinessType, Company, CompanyLicence, Contact, LicenceType
from companies.services import application_file, vehicle_add
from reminders.models import Reminder
from tests.butler.oversight.reform_scene import bulk_reform
from tests.conftest import give_portal_account, make_user, registration
from tests.factories import ButlerFactory, CompanyFactory, ServicePeriodFactory, credit_code, mobile

SHANGHAI = ZoneInfo("Asia/Shanghai")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SINCE, UNTIL, TODAY = date(2026, 11, 1), date(2026, 11, 30), date(2026, 11, 20)
RANGE = {"since": SINCE, "until": UNTIL, "today": TODAY}
QUERY = "since=2026-11-01&until=2026-11-30"


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class Scene:
    world: object
    company_c: Company
    dangerous: BusinessType
    road_freight: BusinessType
    cases: dict


@pytest.fixture
def scene(world):
    """November 2026, seen on Friday 11-20 (range 11-01 … 11-30).

    Companies: A (road freight, butler A from 11-02); B (road freight, butler B from 11-02, transferred to
    butler A on 11-10); C (dangerous goods, butler B from 11-02).
    Licences: A's licence issued 11-05 on time with 2 trips; A's vehicle certificate issued 10-20, lapsed
    (expired 11-08); B's licence due 11-05, issued 11-12 (late) with no trip; C's licence (no deadline)
    issued 11-06 with 1 trip.
    Ratings: r1 A ★5 (11-06, butler A), r2 A licence ★4 (11-07, A), r3 B ★1 (11-08, B), r4 B licence ★2
    (11-13, A), r5 C ★3 (11-09, B), r6 C licence ★1 (11-10, B; found mistaken,
    the dispute upheld by the reviewer), r7 A ★2 (11-14, A), and
    one ★5 of B on 10-25 (out of range).
    Cases: r3 valid, rectified on time, visited again, closed; r4 valid, not rectified; r6 mistaken (close
    due 11-24: at risk); r7 valid, rectified late; suggestions s1 (A, 11-04) and s2 (A, 11-15) not verified
    (overdue); s3 (C, 11-16) explained; s4 (C, 10-20, out of range) not verified (overdue).
    Threads: A 11-03 answered in 60 min; B 11-04 answered in 420 (butler B); C 11-09 answered in 840;
    A 11-18 and C 11-19 awaiting; one started by the window; one of B in October.
    Reminders: A sent ×2 (one late), B failed, C sent, C sent in October, one failed without a company.
    """
    w = world
    with time_machine.travel(at(11, 20, 10), tick=True):
        dangerous = BusinessType.objects.get(code="dangerous_goods")
        road_freight = BusinessType.objects.get(code="road_freight")
        company_c = first_visit_register(
            actor=w.butler_b.user,
            registration=registration(3, business_types=[dangerous]),
            today=date(2026, 11, 2),
        ).period.company
        contact_c = give_portal_account(company_c.contacts.get(), "contact_c")
        contact_a2 = give_portal_account(
            Contact.objects.create(company=w.company_a, name="王二", mobile=mobile(801)), "contact_a2"
        )
        contact_b2 = give_portal_account(
            Contact.objects.create(company=w.company_b, name="李二", mobile=mobile(802)), "contact_b2"
        )
        a_staff, b_staff, manager = w.butler_a.user, w.butler_b.user, w.manager

        # Licences.
        la1 = CompanyLicence.objects.get(company=w.company_a, licence_type__code="road_freight_licence")
        trip_add(actor=a_staff, licence=la1, on=date(2026, 11, 3), purpose="咨询")
        trip_add(actor=a_staff, licence=la1, on=date(2026, 11, 5), purpose="领证")
        la1 = licence_step(
            actor=a_staff, licence=la1, to="issued", on=date(2026, 11, 5), certificate_number="A1"
        )
        vehicle_add(
            actor=a_staff, company=w.company_a, plate="浙B54321", vehicle_type="truck", total_mass_kg=18000
        )
        la2 = CompanyLicence.objects.get(company=w.company_a, subject_key__startswith="vehicle")
        licence_step(
            actor=a_staff,
            licence=la2,
            to="issued",
            on=date(2026, 10, 20),
            certificate_number="A2",
            expires_on=date(2026, 11, 8),
        )
        licence_step(actor=a_staff, licence=la2, to="expired", on=date(2026, 11, 9))
        lc1 = CompanyLicence.objects.get(company=company_c, licence_type__code="dangerous_goods_licence")
        CompanyLicence.objects.filter(pk=lc1.pk).update(obtain_by=None)
        trip_add(actor=b_staff, licence=lc1, on=date(2026, 11, 4), purpose="递交")
        lc1 = licence_step(
            actor=b_staff, licence=lc1, to="issued", on=date(2026, 11, 6), certificate_number="C1"
        )

        # Company B before its transfer: a bad rating of butler B, an answered thread, October's too.
        r3 = rating_submit(actor=w.contact_b, kind="butler", overall=1, comment="办得太慢", now=at(11, 8))
        rating_submit(actor=contact_b2, kind="butler", overall=5, now=at(10, 25))
        t2 = thread_start(actor=w.contact_b, company=w.company_b, subject="问", body="?", now=at(11, 4, 9))
        message_send(actor=b_staff, thread=t2, body="答", now=at(11, 5, 9))
        t7 = thread_start(
            actor=w.contact_b, company=w.company_b, subject="十月", body="?", now=at(10, 28, 10)
        )
        message_send(actor=b_staff, thread=t7, body="答", now=at(10, 28, 11))
        service_period_transfer(
            actor=manager, period=w.period_b, to_butler=w.butler_a, reason="调岗", today=date(2026, 11, 10)
        )
        lb1 = CompanyLicence.objects.get(company=w.company_b, licence_type__code="road_freight_licence")
        CompanyLicence.objects.filter(pk=lb1.pk).update(obtain_by=date(2026, 11, 5))
        lb1 = licence_step(
            actor=a_staff, licence=lb1, to="issued", on=date(2026, 11, 12), certificate_number="B1"
        )

        # Ratings of A and C.
        rating_submit(actor=w.contact_a, kind="butler", overall=5, now=at(11, 6))
        rating_submit(actor=w.contact_a, kind="matter", licence=la1, overall=4, now=at(11, 7))
        r4 = rating_submit(
            actor=w.contact_b, kind="matter", licence=lb1, overall=2, comment="办得太慢", now=at(11, 13)
        )
        rating_submit(actor=contact_c, kind="butler", overall=3, now=at(11, 9))
        r6 = rating_submit(
            actor=contact_c, kind="matter", licence=lc1, overall=1, comment="办得太慢", now=at(11, 10)
        )
        r7 = rating_submit(actor=contact_a2, kind="butler", overall=2, comment="办得太慢", now=at(11, 14))

        # Suggestions.
        s1 = suggestion_submit(actor=w.contact_a, category="materials", text="材料太多", now=at(11, 4))
        s2 = suggestion_submit(
            actor=a_staff, company=w.company_a, category="waiting", text="排队久", now=at(11, 15)
        )
        s3 = suggestion_submit(actor=contact_c, category="materials", text="材料重复", now=at(11, 16))
        s4 = suggestion_submit(actor=contact_c, category="online", text="网站慢", now=at(10, 20))

        # The audit.
        case = {name: AuditCase.objects.get(**{kind: obj}) for name, kind, obj in [
            ("r3", "rating", r3), ("r4", "rating", r4), ("r6", "rating", r6), ("r7", "rating", r7),
            ("s1", "suggestion", s1), ("s2", "suggestion", s2), ("s3", "suggestion", s3),
            ("s4", "suggestion", s4),
        ]}  # fmt: skip
        for name in ("r3", "r4", "r6", "r7", "s3"):
            case_verify(
                actor=manager,
                case=case[name],
                note="已核实",
                called_at=case[name].opened_at + timedelta(hours=1),
            )
        with time_machine.travel(at(11, 11)):  # classified before it was put right
            case_classify(actor=manager, case=case["r3"], finding="valid")
        case_rectify(actor=manager, case=case["r3"], rectification="已整改", done_at=at(11, 12))
        case_return_visit(actor=manager, case=case["r3"], note="已告知企业整改情况", at=at(11, 13))
        case_close(actor=manager, case=case["r3"])
        case_classify(actor=manager, case=case["r4"], finding="valid")
        case_classify(actor=manager, case=case["r6"], finding="mistaken", reason="评错了事项")
        # Out of the figures only by the reviewer's decision (申诉).
        reviewer = make_user("reviewer", roles.REVIEWER)
        dispute_decide(actor=reviewer, case=case["r6"], upheld=True, reasons="企业确认评错了事项")
        with time_machine.travel(at(11, 17)):
            case_classify(actor=manager, case=case["r7"], finding="valid")
        AuditCase.objects.filter(pk=case["r7"].pk).update(rectify_due=date(2026, 11, 16))
        case_rectify(actor=manager, case=case["r7"], rectification="已整改", done_at=at(11, 18))
        case_classify(actor=manager, case=case["s3"], finding="explained", reason="法定要求")

        # Threads of A and C.
        t1 = thread_start(actor=w.contact_a, company=w.company_a, subject="问", body="?", now=at(11, 3, 9))
        message_send(actor=a_staff, thread=t1, body="答", now=at(11, 3, 10))
        t3 = thread_start(actor=contact_c, company=company_c, subject="问", body="?", now=at(11, 9, 9))
        message_send(actor=b_staff, thread=t3, body="答", now=at(11, 11, 9))
        thread_start(actor=w.contact_a, company=w.company_a, subject="等", body="?", now=at(11, 18))
        thread_start(actor=contact_c, company=company_c, subject="等", body="?", now=at(11, 19))
        thread_start(actor=a_staff, company=w.company_a, subject="通知", body="!", now=at(11, 6))

        # Reminders, as the delivery engine leaves them.
        S = Reminder.Status
        for n, (company, status, late, when) in enumerate(
            [
                (w.company_a, S.SENT, False, at(11, 5)),
                (w.company_a, S.SENT, True, at(11, 6)),
                (w.company_b, S.FAILED, False, at(11, 7)),
                (company_c, S.SENT, False, at(11, 8)),
                (company_c, S.SENT, False, at(10, 20)),
                (None, S.FAILED, False, at(11, 9)),
            ]
        ):
            Reminder.objects.create(
                subject=f"test:{n}",
                scope=f"company:{company.pk}" if company else "",
                kind="test",
                due_on=when.date(),
                offset_days=0,
                channel="email",
                recipient=manager,
                scheduled_at=when,
                status=status,
                late=late,
                sent_at=when if status == S.SENT else None,
            )
        yield Scene(world, company_c, dangerous, road_freight, case)


def figures(**filters):
    return dashboard_figures(**RANGE, **filters)


def test_the_scene_response_times_are_as_described(scene):
    minutes = dict(
        MessageThread.objects.filter(subject="问").values_list("company_id", "first_response_minutes")
    )
    assert minutes == {scene.world.company_a.pk: 60, scene.world.company_b.pk: 420, scene.company_c.pk: 840}
    assert WORKING_DAY_MINUTES == 420


def test_every_figure_for_everyone(scene):
    d = figures()
    assert (d.in_service, d.cards_issued) == (3, 4)  # the transfer issued a card
    assert (d.licences_obtained, d.licences_on_time, d.licences_late, d.licences_lapsed) == (3, 2, 1, 1)
    assert d.on_time_rate == pytest.approx(2 / 3)
    assert (d.matters, d.trips, d.zero_trip) == (3, 3, 1)
    assert d.trips_per_matter == 1
    assert d.zero_trip_share == pytest.approx(1 / 3)
    assert (d.reminders_sent, d.reminders_late, d.reminders_failed) == (3, 1, 2)
    assert d.ratings == 6
    assert d.stars == {5: 1, 4: 1, 3: 1, 2: 2, 1: 1}
    assert d.ratings_set_aside == 1
    assert d.satisfaction_rate == pytest.approx(0.5)
    assert d.bad_rate == pytest.approx(0.5)
    assert d.rating_average == pytest.approx(17 / 6)
    assert d.cases_opened == 7
    # Rates count what is due on 11-20: r4's limit (12-03) has not passed, so it is in neither rate yet;
    # r7's (set to 11-16) has: rectified late, not reported back.
    assert (d.cases_valid, d.cases_rectified, d.cases_rectified_on_time) == (2, 2, 1)
    assert d.rectification_rate == pytest.approx(1)
    assert d.on_time_rectification_rate == pytest.approx(0.5)
    assert (d.cases_bad, d.cases_return_visited) == (2, 1)
    assert d.return_visit_rate == pytest.approx(0.5)
    assert (d.cases_at_risk, d.cases_overdue) == (1, 4)  # r7's report back was due with its limit
    assert {row.category: row.count for row in d.suggestions if row.count} == {"materials": 2, "waiting": 1}
    assert d.suggestions_total == 3
    assert (d.threads_answered, d.threads_within_day, d.threads_awaiting) == (3, 2, 2)
    assert d.response_median == 420
    assert d.response_average == pytest.approx(440)
    assert d.within_day_share == pytest.approx(2 / 3)
    workload = {(row.butler.display_name): row for row in d.workload}
    a, b = workload["王丽娜"], workload["张伟"]
    assert (a.in_service, a.open_cases, a.awaiting, a.ratings) == (2, 4, 1, 4)
    assert a.rating_average == pytest.approx(3.25)
    assert (b.in_service, b.open_cases, b.awaiting, b.ratings) == (1, 3, 1, 2)
    assert b.rating_average == pytest.approx(2)
    assert d.series_unit == "week"
    series = {point.start: (point.cards, point.ratings) for point in d.series}
    assert series == {
        date(2026, 10, 26): (0, 0),
        date(2026, 11, 2): (3, 3),
        date(2026, 11, 9): (1, 3),
        date(2026, 11, 16): (0, 0),
        date(2026, 11, 23): (0, 0),
        date(2026, 11, 30): (0, 0),
    }


def test_every_figure_for_one_butler(scene):
    a = figures(butler_id=scene.world.butler_a.pk)
    assert (a.in_service, a.cards_issued) == (2, 2)
    assert (a.licences_obtained, a.licences_on_time, a.licences_late, a.licences_lapsed) == (2, 1, 1, 1)
    assert (a.matters, a.trips, a.zero_trip) == (2, 2, 1)
    assert (a.reminders_sent, a.reminders_late, a.reminders_failed) == (2, 1, 1)
    assert (a.ratings, a.ratings_set_aside, a.stars) == (4, 0, {5: 1, 4: 1, 3: 0, 2: 2, 1: 0})
    assert a.satisfaction_rate == pytest.approx(0.5)
    assert (a.cases_opened, a.cases_valid, a.cases_rectified, a.cases_rectified_on_time) == (4, 1, 1, 0)
    assert (a.cases_bad, a.cases_return_visited, a.cases_at_risk, a.cases_overdue) == (1, 0, 0, 3)
    assert a.return_visit_rate == 0
    assert {row.category: row.count for row in a.suggestions if row.count} == {"materials": 1, "waiting": 1}
    assert (a.threads_answered, a.response_median, a.threads_within_day, a.threads_awaiting) == (1, 60, 1, 1)
    assert [row.butler.display_name for row in a.workload] == ["王丽娜"]

    b = figures(butler_id=scene.world.butler_b.pk)
    assert (b.in_service, b.cards_issued) == (1, 2)
    assert (b.licences_obtained, b.licences_on_time, b.licences_late, b.licences_lapsed) == (1, 1, 0, 0)
    assert (b.matters, b.trips, b.zero_trip) == (1, 1, 0)
    assert (b.reminders_sent, b.reminders_late, b.reminders_failed) == (1, 0, 1)
    assert (b.ratings, b.ratings_set_aside, b.stars) == (2, 1, {5: 0, 4: 0, 3: 1, 2: 0, 1: 1})
    assert (b.cases_opened, b.cases_valid, b.cases_rectified, b.cases_rectified_on_time) == (3, 1, 1, 1)
    assert (b.cases_bad, b.cases_return_visited, b.cases_at_risk, b.cases_overdue) == (1, 1, 1, 1)
    assert b.return_visit_rate == 1
    assert (b.threads_answered, b.response_median, b.threads_within_day, b.threads_awaiting) == (2, 630, 1, 1)


def test_every_figure_for_one_business_type(scene):
    c = figures(business_type_id=scene.dangerous.pk)
    assert (c.in_service, c.cards_issued) == (1, 1)
    assert (c.licences_obtained, c.licences_on_time, c.licences_late, c.licences_lapsed) == (1, 1, 0, 0)
    assert (c.matters, c.trips, c.zero_trip) == (1, 1, 0)
    assert (c.reminders_sent, c.reminders_late, c.reminders_failed) == (1, 0, 0)
    assert (c.ratings, c.ratings_set_aside, c.satisfaction_rate, c.bad_rate) == (1, 1, 1, 0)
    assert (c.cases_opened, c.cases_valid, c.cases_bad, c.cases_at_risk, c.cases_overdue) == (2, 0, 0, 1, 1)
    assert c.rectification_rate is None and c.return_visit_rate is None  # nothing to divide by
    assert {row.category: row.count for row in c.suggestions if row.count} == {"materials": 1}
    assert (c.threads_answered, c.response_median, c.threads_within_day, c.threads_awaiting) == (1, 840, 0, 1)
    assert {row.butler.display_name: (row.in_service, row.open_cases) for row in c.workload} == {
        "王丽娜": (0, 0),
        "张伟": (1, 3),
    }

    road = figures(business_type_id=scene.road_freight.pk, butler_id=scene.world.butler_b.pk)
    assert (road.in_service, road.cards_issued, road.ratings, road.reminders_failed) == (0, 1, 1, 1)


def test_a_rate_with_nothing_to_divide_by_is_a_dash_not_an_error(world, client):
    client.force_login(world.manager)
    page = client.get(reverse("oversight:dashboard"), **EN)
    assert page.status_code == 200
    board = page.context["board"]
    assert board.satisfaction_rate is None and board.response_median is None
    headline = {figure.key: figure.display for figure in page.context["headline"]}
    assert headline["satisfaction_rate"] == "—"
    assert headline["in_service"] == "2"


def test_the_page_shows_the_numbers_definitions_and_charts_with_their_numbers(scene, client):
    client.force_login(scene.world.manager)
    with time_machine.travel(at(11, 20, 10, 15)):
        page = client.get(reverse("oversight:dashboard") + "?" + QUERY, **EN)
    html = page.content.decode()
    assert page.status_code == 200
    figures_shown = {f.key: f.display for group in page.context["groups"].values() for f in group.figures}
    assert figures_shown["satisfaction_rate"] == "50.0%"
    assert figures_shown["return_visit_rate"] == "50.0%"
    assert figures_shown["response_median"] == "420"
    assert "Ratings of ★3–5 ÷ all ratings." in html  # every figure says how it is counted
    assert html.count("<svg") == 3 and "<script>" not in html.split("</main>")[0]
    # each chart is a titled group of links (its bars) and has its numbers as text
    assert 'role="group" aria-labelledby="stars-svg-title"' in html
    assert "The numbers" in html
    assert reverse("oversight:drill", args=["licences_late"]) + "?" + QUERY.replace("&", "&amp;") in html
    assert reverse("oversight:drill", args=["stars_1"]) in html


def test_filters_come_from_the_query_and_a_reversed_range_falls_back_to_the_last_90_days(scene, client):
    client.force_login(scene.world.manager)
    with time_machine.travel(at(11, 20, 10, 15)):
        page = client.get(
            reverse("oversight:dashboard"),
            {"since": "2026-11-01", "until": "2026-11-30", "butler": scene.world.butler_b.pk},
        )
        assert page.context["board"].in_service == 1
        reversed_range = client.get(
            reverse("oversight:dashboard"), {"since": "2026-11-30", "until": "2026-11-01"}, **EN
        )
    assert "The end of the period cannot be before its start." in reversed_range.content.decode()
    scope = reversed_range.context["board"].scope
    assert (scope.since, scope.until) == (date(2026, 8, 23), date(2026, 11, 20))


@pytest.mark.parametrize(
    ("who", "status"),
    [("manager", 200), ("butler_a", 403), ("butler_b", 403), ("contact_a", 403), ("outsider", 403)],
)
def test_only_managers_open_the_dashboard_its_lists_and_its_export(client, world, who, status):
    user = getattr(world, who)
    client.force_login(getattr(user, "user", user))
    for url in (
        reverse("oversight:dashboard"),
        reverse("oversight:drill", args=["ratings"]),
        reverse("oversight:dashboard_export", args=["csv"]),
        reverse("oversight:dashboard_export", args=["xlsx"]),
    ):
        assert client.get(url).status_code == status


def test_anonymous_users_are_sent_to_sign_in(client, db):
    for url in (reverse("oversight:dashboard"), reverse("oversight:drill", args=["ratings"])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_unknown_figure_or_format_is_not_found(client, world):
    client.force_login(world.manager)
    assert client.get(reverse("oversight:drill", args=["salaries"])).status_code == 404
    assert client.get(reverse("oversight:dashboard_export", args=["pdf"])).status_code == 404


def drill(client, figure: str, extra: str = "") -> list[list[str]]:
    with time_machine.travel(at(11, 20, 10, 15)):
        page = client.get(reverse("oversight:drill", args=[figure]) + f"?{QUERY}{extra}", **EN)
    assert page.status_code == 200
    return [[str(cell.text) for cell in row] for row in page.context["rows"]]


def test_the_lists_behind_the_figures_show_their_rows(scene, client):
    w = scene.world
    client.force_login(w.manager)
    late = drill(client, "licences_late")
    assert [row[1] for row in late] == [w.company_b.name]
    lapsed = drill(client, "licences_lapsed")
    assert [(row[1], row[5]) for row in lapsed] == [(w.company_a.name, "2026-11-08")]
    assert [row[1] for row in drill(client, "licences_zero_trip")] == [w.company_b.name]
    set_aside = drill(client, "ratings_set_aside")
    assert [(row[1], row[4]) for row in set_aside] == [(scene.company_c.name, "★☆☆☆☆")]
    assert set_aside[0][5] == scene.cases["r6"].number
    overdue = drill(client, "cases_overdue")
    assert sorted(row[0] for row in overdue) == sorted(
        scene.cases[n].number for n in ("r7", "s1", "s2", "s4")
    )
    assert [row[0] for row in drill(client, "cases_at_risk")] == [scene.cases["r6"].number]
    materials = drill(client, "suggestions", "&category=materials")
    assert sorted(row[1] for row in materials) == sorted([w.company_a.name, scene.company_c.name])
    awaiting_b = drill(client, "threads_awaiting", f"&butler={w.butler_b.pk}")
    assert [row[1] for row in awaiting_b] == [scene.company_c.name]
    assert len(drill(client, "cards")) == 4


def test_each_list_has_as_many_rows_as_its_figure_says(scene):
    d = figures()
    for figure, expected in [
        ("in_service", d.in_service),
        ("cards", d.cards_issued),
        ("licences_obtained", d.licences_obtained),
        ("licences_on_time", d.licences_on_time),
        ("licences_issued", d.matters),
        ("ratings", d.ratings),
        ("ratings_bad", d.ratings_bad),
        ("stars_2", d.stars[2]),
        ("cases_opened", d.cases_opened),
        ("cases_rectified", d.cases_rectified),
        ("cases_return_visit_missing", d.cases_bad - d.cases_return_visited),
        ("suggestions", d.suggestions_total),
        ("threads_answered", d.threads_answered),
    ]:
        assert drill_rows(figure, **RANGE).count() == expected, figure


def test_list_rows_link_to_the_objects_pages(scene, client):
    client.force_login(scene.world.manager)
    with time_machine.travel(at(11, 20, 10, 15)):
        html = client.get(reverse("oversight:drill", args=["licences_late"]) + "?" + QUERY).content.decode()
    licence = CompanyLicence.objects.get(
        company=scene.world.company_b, licence_type__code="road_freight_licence"
    )
    assert reverse("licences:detail", args=[licence.pk]) in html
    assert reverse("company:detail", args=[scene.world.company_b.pk]) in html


def export_rows(client, fmt: str, query: str = QUERY) -> list[list]:
    with time_machine.travel(at(11, 20, 10, 15)):
        response = client.get(reverse("oversight:dashboard_export", args=[fmt]) + "?" + query, **EN)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    if fmt == "csv":
        assert response["Content-Type"].startswith("text/csv")
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    for row in rows:  # a worksheet is as wide as its widest row
        while row and row[-1] is None:
            row.pop()
    return rows


def test_the_figures_export_as_csv_and_xlsx(scene, client):
    client.force_login(scene.world.manager)
    rows = export_rows(client, "csv")
    assert rows[0] == ["Figure", "Value"]
    values = {row[0]: row[1] for row in rows if len(row) == 2}
    assert values["Date range"] == "2026-11-01 – 2026-11-30"
    assert values["Butler service · Companies in service"] == "3"
    assert values["Ratings · Satisfaction rate (%)"] == "50.0"
    assert values["Audit of feedback · Return-visit rate (%)"] == "50.0"
    assert values["Ratings · ★1"] == "1"
    assert values["Suggestions · Materials"] == "2"
    blank = rows.index([])
    assert rows[blank + 1][:3] == ["Butler", "Companies in service", "Open audit cases"]
    assert sorted(rows[blank + 2 :]) == [
        ["张伟", "1", "3", "1", "2", "2.0"],
        ["王丽娜", "2", "4", "1", "4", "3.25"],
    ]

    sheet = export_rows(client, "xlsx")
    assert sheet[0] == ["Figure", "Value"]
    cells = {row[0]: row[1] for row in sheet if len(row) == 2}
    assert cells["Butler service · Companies in service"] == 3
    assert cells["Ratings · Satisfaction rate (%)"] == 50.0
    assert cells["Messages · Median first response"] == 420
    assert sorted(row for row in sheet if len(row) == 6)[1:] == [
        ["张伟", 1, 3, 1, 2, 2],
        ["王丽娜", 2, 4, 1, 4, 3.25],
    ]
    assert len([row for row in sheet if row]) == len([row for row in rows if row])


def test_the_export_keeps_the_filters_and_shows_a_dash_for_no_rate(scene, client):
    client.force_login(scene.world.manager)
    rows = export_rows(client, "csv", f"{QUERY}&business_type={scene.dangerous.pk}")
    values = {row[0]: row[1] for row in rows if len(row) == 2}
    assert values["Butler service · Companies in service"] == "1"
    assert values["Audit of feedback · Rectification rate (%)"] == "—"


# --- the number of queries does not grow with the data ----------------------------------------------------


def bulk_world(world, n: int, *, start: int = 0) -> None:
    """``n`` more companies in service with the two butlers (numbered from ``start``), a licence issued for
    every tenth, a rating for every fifth (a bad one for every tenth, with its case) and a thread answered
    for every tenth."""
    freight = BusinessType.objects.get(code="road_freight")
    licence_type = LicenceType.objects.get(code="road_freight_licence")
    butlers = [world.butler_a, world.butler_b]
    numbers = range(start, start + n)
    companies = Company.objects.bulk_create(
        Company(
            name=f"宁波北仑批量{k}物流有限公司",
            credit_code=credit_code(500_000 + k),
            registered_on=date(2026, 1, 5),
            address="宁波市北仑区",
            legal_representative="张三",
        )
        for k in numbers
    )
    Company.business_types.through.objects.bulk_create(
        Company.business_types.through(company_id=c.pk, businesstype_id=freight.pk) for c in companies
    )
    periods = ServicePeriod.objects.bulk_create(
        ServicePeriod(
            company=c,
            butler=butlers[k % 2],
            start_date=date(2026, 10, 1) + timedelta(days=k % 45),
            end_date=date(2027, 3, 30),
            card_number=f"BULK-{k:06d}",
        )
        for k, c in zip(numbers, companies, strict=True)
    )
    CompanyLicence.objects.bulk_create(
        CompanyLicence(
            company=c,
            licence_type=licence_type,
            subject_key="company",
            status="issued",
            issued_on=date(2026, 11, 1) + timedelta(days=k % 15),
            first_issued_on=date(2026, 11, 1) + timedelta(days=k % 15),
            obtain_by=date(2026, 11, 10),
        )
        for k, c in zip(numbers, companies, strict=True)
        if k % 10 == 0
    )
    rated = [(k, c, p) for k, c, p in zip(numbers, companies, periods, strict=True) if k % 5 == 0]
    contacts = Contact.objects.bulk_create(
        Contact(company=c, name=f"联系人{k}", mobile=mobile(600_000 + k)) for k, c, _p in rated
    )
    ratings = Rating.objects.bulk_create(
        Rating(
            kind="butler",
            company=c,
            contact=contact,
            rated_by=world.manager,
            butler=p.butler,
            period=p,
            matter_key=f"butler:{p.pk}",
            overall=2 if k % 10 == 0 else 5,
            created_at=at(11, 1 + k % 20),
        )
        for (k, c, p), contact in zip(rated, contacts, strict=True)
    )
    AuditCase.objects.bulk_create(
        AuditCase(
            rating=r,
            company_id=r.company_id,
            concerns=r.butler,
            opened_at=r.created_at,
            step_due=date(2026, 11, 16) + timedelta(days=r.pk % 10),
        )
        for r in ratings
        if r.overall == 2
    )
    MessageThread.objects.bulk_create(
        MessageThread(
            company=c,
            subject="问",
            started_by=world.manager,
            created_at=at(11, 2 + k % 15),
            first_response_minutes=k % 600,
            awaiting_window=k % 20 == 0,
        )
        for k, c in zip(numbers, companies, strict=True)
        if k % 10 == 0
    )


def page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# measured 19 (20 filtered by butler and business type) on PostgreSQL, every list filled: the reform's
# figures add 5 to the 14 (15) before them — the median on-the-spot time, the catalogue's committed limits,
# and the material reduction's three (the materials now with those shared, the changes since the baseline,
# their types)
DASHBOARD_QUERIES = 20


def test_the_dashboard_costs_the_same_queries_for_ten_or_ten_thousand_companies(world, client):
    """10 and then 10,000 companies (``bulk_world``); and on the lists that are not figures, 10 and then 30
    butlers more, each with a company in service (the workload table shows 20), and as many suggestions in
    every category (the chart)."""
    client.force_login(world.manager)
    freight = BusinessType.objects.get(code="road_freight")
    page = reverse("oversight:dashboard") + "?" + QUERY
    filtered = f"{page}&butler={world.butler_a.pk}&business_type={freight.pk}"
    categories = Suggestion.Category.values

    def fill(first: int, stop: int):
        bulk_world(world, stop - first, start=first)
        bulk_reform(world, stop // 10 - first // 10, start=first // 10)  # the reform's figures and median
        for n in range(min(first, 30), min(stop, 30)):
            ServicePeriodFactory(
                company=CompanyFactory(credit_code=credit_code(90_000 + n)),
                butler=ButlerFactory(display_name=f"管家{n}"),
                start_date=date(2026, 11, 1),
            )
            suggestion_submit(
                actor=world.contact_a, category=categories[n % len(categories)], text=f"建议{n}"
            )

    page_queries(client, page)  # the first request of a session reads a little more
    counts = []
    for first, stop in ((0, 10), (10, 10_000)):
        fill(first, stop)
        counts.append((page_queries(client, page), page_queries(client, filtered)))
        response = client.get(page)
        board = response.context["board"]
        assert board.in_service >= stop and board.ratings >= stop // 5
        assert len(response.context["workload"]) == min(20, 2 + min(stop, 30))
        assert all(row.count for row in board.suggestions)
        assert board.reform.on_the_spot and board.reform.consultations and board.reform.registered
    small, large = counts
    assert small == large
    assert max(large) == DASHBOARD_QUERIES


def test_a_list_behind_a_figure_costs_the_same_queries_for_any_number_of_rows(world, client):
    client.force_login(world.manager)
    figures_ = (
        "in_service",
        "licences_obtained",
        "ratings",
        "cases_at_risk",
        "suggestions",
        "threads_answered",
    )
    urls = [reverse("oversight:drill", args=[figure]) + "?" + QUERY for figure in figures_]
    page_queries(client, urls[0])
    bulk_world(world, 10)
    small = [page_queries(client, url) for url in urls]
    bulk_world(world, 300, start=10)
    large = [page_queries(client, url) for url in urls]
    assert small == large
    assert max(large) <= 10  # each list makes 8 or 9 (measured with 310 companies)


# --- the daily figures (butler.oversight.days) ------------------------------------------------------


DAY_FIGURES = (
    "licences_obtained",
    "licences_on_time",
    "licences_late",
    "licences_lapsed",
    "matters",
    "trips",
    "zero_trip",
    "by_proxy",
    "refused",
    "reminders_sent",
    "reminders_late",
    "reminders_failed",
)


def figures_in(**chosen):
    return dashboard_figures(**(RANGE | chosen))


def counted(board) -> dict:
    return {name: getattr(board, name) for name in DAY_FIGURES}


def test_the_daily_figures_give_the_numbers_of_the_live_count(scene):
    freight, dangerous = scene.road_freight.pk, scene.dangerous.pk
    ranges = [
        {},  # the scene's month, seen on 11-20: 19 past days and the rest live
        {"since": date(2026, 10, 1), "until": date(2026, 11, 19)},  # past days only
        {"since": date(2026, 11, 5), "until": date(2026, 11, 5)},  # one day
        {"business_type_id": freight},
        {"business_type_id": dangerous, "since": date(2026, 10, 1), "until": date(2026, 11, 19)},
    ]
    live = [counted(figures_in(**chosen)) for chosen in ranges]
    assert live[0]["licences_obtained"] == 3 and live[0]["reminders_sent"] == 3  # the scene's hand count
    assert live[3]["licences_obtained"] == 2 and live[4]["licences_obtained"] == 1

    written = dashboard_days_compute(since=date(2026, 9, 1), until=date(2026, 12, 31), today=TODAY)

    assert written == (TODAY - date(2026, 9, 1)).days  # up to yesterday: a day is counted once it is over
    assert DashboardDay.objects.filter(day__gte=TODAY).count() == 0
    assert [counted(figures_in(**chosen)) for chosen in ranges] == live


def test_past_days_are_read_from_their_rows_and_a_missing_day_is_counted_live(scene):
    live = counted(figures_in())
    dashboard_days_compute(since=date(2026, 11, 1), until=TODAY, today=TODAY)
    # A row changed by hand shows: the past days come from the rows, not from the licences.
    whole = DashboardDay.objects.filter(business_type__isnull=True)
    whole.filter(day=date(2026, 11, 5)).update(licences_obtained=10, reminders_failed=7)
    read = counted(figures_in())
    assert read["licences_obtained"] == live["licences_obtained"] + 10 - 1  # 11-05 had one
    assert read["reminders_failed"] > live["reminders_failed"]

    whole.filter(day=date(2026, 11, 7)).delete()
    assert counted(figures_in()) == live


def test_a_business_type_reads_its_own_rows_and_a_butler_counts_live(scene):
    butler_a, freight = scene.world.butler_a.pk, scene.road_freight.pk
    live_butler = counted(figures_in(butler_id=butler_a))
    live_freight = counted(figures_in(business_type_id=freight))
    dashboard_days_compute(since=date(2026, 11, 1), until=TODAY, today=TODAY)
    DashboardDay.objects.filter(business_type__isnull=True).update(licences_obtained=100)
    assert counted(figures_in(butler_id=butler_a)) == live_butler
    assert counted(figures_in(business_type_id=freight)) == live_freight

    DashboardDay.objects.filter(business_type_id=freight, day=date(2026, 11, 5)).update(licences_obtained=50)
    assert (
        counted(figures_in(business_type_id=freight))["licences_obtained"]
        == live_freight["licences_obtained"] + 50 - 1
    )
    assert counted(figures_in(butler_id=butler_a, business_type_id=freight))["licences_obtained"] < 50


def test_the_hourly_refresh_fills_every_missing_day_then_recomputes_the_last_weeks(db):
    kinds = 1 + BusinessType.objects.count()  # the whole window and each business type
    first = dashboard_days_refresh(today=TODAY)
    assert first.days == HISTORY_DAYS
    assert DashboardDay.objects.count() == HISTORY_DAYS * kinds
    assert DashboardDay.objects.latest("day").day == TODAY - timedelta(days=1)

    again = dashboard_days_refresh(today=TODAY)
    assert (again.since, again.days) == (TODAY - timedelta(days=RECOMPUTE_DAYS), RECOMPUTE_DAYS)
    assert DashboardDay.objects.count() == HISTORY_DAYS * kinds

    DashboardDay.objects.filter(day=TODAY - timedelta(days=200)).first().delete()
    assert dashboard_days_refresh(today=TODAY).days == HISTORY_DAYS


def test_the_task_and_the_command_write_the_rows(db):
    kinds = 1 + BusinessType.objects.count()
    assert refresh_dashboard_days.delay().get() == HISTORY_DAYS
    DashboardDay.objects.all().delete()
    call_command("refresh_dashboard_days", "--since", "2026-01-01", "--until", "2026-01-31", stdout=None)
    assert DashboardDay.objects.count() == 31 * kinds


def test_the_page_shows_the_butlers_most_in_need_of_a_look_first_and_says_how_many_are_left_out(
    scene, client, monkeypatch
):
    rows = figures().workload
    first = workload_first(rows, 1)
    # 王丽娜 has 1 thread awaiting and 4 open cases, 张伟 1 and 3.
    assert [w.butler.display_name for w in first] == ["王丽娜"]
    monkeypatch.setattr("butler.oversight.dashboard_views.WORKLOAD_ROWS", 1)
    client.force_login(scene.world.manager)
    page = client.get(reverse("oversight:dashboard") + "?" + QUERY, **EN).content.decode()
    assert "the 1 of 2 with the most waiting for them" in page
    assert "王丽娜" in page


def test_refusals_and_matters_the_butler_filed_are_counted_apart(world):
    """Company A's two trucks filed by butler A for the company on 11-03 (帮办代办) and issued on 11-05: one
    matter, no visit; company B's licence accepted on 11-04 and refused on 11-06 (butler B)."""
    with time_machine.travel(at(11, 20, 10), tick=True):
        a_staff, b_staff = world.butler_a.user, world.butler_b.user
        for plate in ("浙B61001", "浙B61002"):
            vehicle_add(
                actor=a_staff, company=world.company_a, plate=plate, vehicle_type="truck", total_mass_kg=18000
            )
        trucks = list(
            CompanyLicence.objects.filter(company=world.company_a, licence_type__code="vehicle_certificate")
        )
        application_file(
            actor=a_staff,
            licences=trucks,
            to="applied",
            on=date(2026, 11, 3),
            channel="window",
            result_by="post",
            by_proxy=True,
            authorisation="授权委托书 2026-11-03",
        )
        for n, truck in enumerate(trucks):
            licence_step(
                actor=a_staff, licence=truck, to="issued", on=date(2026, 11, 5), certificate_number=f"V{n}"
            )
        lb1 = CompanyLicence.objects.get(company=world.company_b, licence_type__code="road_freight_licence")
        licence_step(actor=b_staff, licence=lb1, to="applied", on=date(2026, 11, 4), channel="online")
        licence_step(
            actor=b_staff, licence=lb1, to="refused", on=date(2026, 11, 6), refusal_reasons="场地不符"
        )

    whole = figures()
    assert (whole.matters, whole.zero_trip, whole.by_proxy, whole.refused) == (1, 1, 1, 1)
    a, b = figures(butler_id=world.butler_a.pk), figures(butler_id=world.butler_b.pk)
    assert (a.by_proxy, a.refused, b.by_proxy, b.refused) == (1, 0, 0, 1)
    dashboard_days_compute(since=date(2026, 11, 1), until=TODAY, today=TODAY)
    assert (figures().by_proxy, figures().refused) == (1, 1)  # the same from the daily rows
    refused = drill_rows("licences_refused", since=SINCE, until=UNTIL, today=TODAY)
    assert [licence.pk for licence in refused] == [lb1.pk]
