"""The feed a phone's calendar subscribes to: what it holds, in whose language, who can no longer read it."""

import hashlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse

from butler.calendars.services import calendar_feed_make, calendar_feed_revoke
from butler.contactlog.services import contact_record
from butler.feedback.ratings import rating_submit, suggestion_submit
from butler.licences.services import licence_step
from butler.models import CalendarFeed
from companies.models import CompanyLicence, LicenceStatus, Obligation
from companies.services import obligation_record, vehicle_add
from reminders.people import language_set
from tests.conftest import NOW, issue_road_freight_licence

PUBLIC = "https://butler.example.gov.cn"
HOST = "butler.example.gov.cn"


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.BUTLER_PUBLIC_URL = PUBLIC


def _fetch(client, token: str):
    response = client.get(reverse("calendars:feed", args=[token]))
    assert response.status_code == 200, response.status_code
    return response


def _events(response) -> set[tuple[str, date, str]]:
    calendar = icalendar.Calendar.from_ical(response.content)
    return {
        (str(event["UID"]), event["DTSTART"].dt, str(event["SUMMARY"])) for event in calendar.walk("VEVENT")
    }


def _truck(world, plate: str = "浙B54321"):
    return vehicle_add(
        actor=world.butler_a.user,
        company=world.company_a,
        plate=plate,
        vehicle_type="truck",
        total_mass_kg=18000,
    )


def _company_a_at_work(world):
    """Company A's road freight licence issued on 2 November (renewal by 2030-10-02, expiry 2030-11-01); a
    truck whose certificate is to be obtained by 2026-12-02 and was handed in incomplete, the rest to be
    brought by 2026-11-20; the truck's compulsory insurance valid until 2027-06-30, its inspection not
    recorded yet."""
    freight = issue_road_freight_licence(world)
    truck = _truck(world)
    certificate = CompanyLicence.objects.get(vehicle=truck, licence_type__code="vehicle_certificate")
    certificate = licence_step(
        actor=world.butler_a.user,
        licence=certificate,
        to=LicenceStatus.MATERIALS_MISSING,
        materials=list(certificate.licence_type.materials.all()[:1]),
        supply_by=date(2026, 11, 20),
        submitted_on=date(2026, 11, 2),
        on=date(2026, 11, 2),
    )
    insurance = Obligation.objects.get(vehicle=truck, obligation_type__code="compulsory_insurance")
    obligation_record(
        actor=world.butler_a.user,
        obligation=insurance,
        done_on=date(2026, 7, 1),
        reference="PDZA2026330200001",
        valid_until=date(2027, 6, 30),
    )
    return freight, certificate, insurance


def test_a_company_feed_holds_exactly_its_licence_fleet_and_service_dates(client, world):
    language_set(user=world.contact_a, language="en")
    freight, certificate, insurance = _company_a_at_work(world)
    _feed, token = calendar_feed_make(actor=world.contact_a)

    response = _fetch(client, token)

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    assert _events(response) == {
        (
            f"company.licence-{freight.pk}.renew_by@{HOST}",
            date(2030, 10, 2),
            "Road transport business licence (ordinary freight): last day to apply for renewal",
        ),
        (
            f"company.licence-{freight.pk}.expiry@{HOST}",
            date(2030, 11, 1),
            "Road transport business licence (ordinary freight): expiry",
        ),
        (
            f"company.licence-{certificate.pk}.obtain_by@{HOST}",
            date(2026, 12, 2),
            "Vehicle road transport certificate · 浙B54321: the window's target day to obtain it",
        ),
        (
            f"company.licence-{certificate.pk}.supply_by@{HOST}",
            date(2026, 11, 20),
            "Vehicle road transport certificate · 浙B54321: bring the missing materials by this day",
        ),
        (
            f"company.obligation-{insurance.pk}@{HOST}",
            date(2027, 6, 30),
            "Compulsory traffic accident insurance due: 浙B54321",
        ),
        (
            f"company.period-{world.period_a.pk}.end@{HOST}",
            date(2027, 4, 30),
            "Last day of your butler service (card BL-2026-0001)",
        ),
    }


def test_each_event_is_a_whole_day_with_a_link_back_and_an_alarm_the_day_before(client, world):
    freight = issue_road_freight_licence(world)
    _feed, token = calendar_feed_make(actor=world.contact_a)

    calendar = icalendar.Calendar.from_ical(_fetch(client, token).content)

    assert str(calendar["X-WR-CALNAME"]) == "宁波北仑顺达1物流有限公司 · 证照日历"
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Shanghai"
    assert calendar["REFRESH-INTERVAL"].to_ical() == b"PT4H"
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT4H"
    renewal = next(e for e in calendar.walk("VEVENT") if str(e["UID"]).endswith(".renew_by@" + HOST))
    assert renewal["DTSTART"].params["VALUE"] == "DATE"
    assert renewal["DTSTART"].dt == date(2030, 10, 2)  # a date, not a moment
    assert renewal["DTEND"].dt == date(2030, 10, 3)
    link = f"{PUBLIC}/portal/licences/#licence-{freight.pk}"
    assert str(renewal["URL"]) == link
    assert str(renewal["DESCRIPTION"]).splitlines()[-1] == link
    assert "王丽娜" in str(renewal["DESCRIPTION"])  # whom to call
    (alarm,) = renewal.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == -timedelta(hours=15)  # 9:00 the day before


def test_an_accepted_application_shows_the_day_the_window_promised(client, world):
    language_set(user=world.contact_a, language="en")
    freight = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    licence_step(actor=world.butler_a.user, licence=freight, to=LicenceStatus.APPLIED, on=date(2026, 11, 2))
    _feed, token = calendar_feed_make(actor=world.contact_a)

    events = _events(_fetch(client, token))

    # Accepted on Monday 2 November: decided within five working days, by Monday 9 November; still to be
    # obtained by the window's target of 1 January.
    licence_events = {event for event in events if ".licence-" in event[0]}
    assert licence_events == {
        (
            f"company.licence-{freight.pk}.committed@{HOST}",
            date(2026, 11, 9),
            "Road transport business licence (ordinary freight): the window's promised decision day",
        ),
        (
            f"company.licence-{freight.pk}.obtain_by@{HOST}",
            date(2027, 1, 1),
            "Road transport business licence (ordinary freight): the window's target day to obtain it",
        ),
    }


def test_a_moved_date_keeps_its_uid_so_the_calendar_moves_the_event(client, world):
    freight = issue_road_freight_licence(world)
    _feed, token = calendar_feed_make(actor=world.contact_a)
    uid = f"company.licence-{freight.pk}.renew_by@{HOST}"
    before = {event[0]: event[1] for event in _events(_fetch(client, token))}
    CompanyLicence.objects.filter(pk=freight.pk).update(renew_by=date(2030, 9, 1))

    after = {event[0]: event[1] for event in _events(_fetch(client, token))}

    assert (before[uid], after[uid]) == (date(2030, 10, 2), date(2030, 9, 1))
    assert set(before) == set(after)


def test_the_summaries_are_in_the_owners_language(client, world):
    issue_road_freight_licence(world)
    language_set(user=world.contact_a, language="en")
    _feed, english = calendar_feed_make(actor=world.contact_a)
    _feed, chinese = calendar_feed_make(actor=world.contact_b)  # never chose: the window's language
    contact_b_freight = CompanyLicence.objects.get(
        company=world.company_b, licence_type__code="road_freight_licence"
    )

    in_english = {summary for _uid, _day, summary in _events(_fetch(client, english))}
    in_chinese = {summary for _uid, _day, summary in _events(_fetch(client, chinese))}

    assert "Road transport business licence (ordinary freight): expiry" in in_english
    assert not any("道路运输经营许可证" in summary for summary in in_english)
    # Company B's licence is still to be obtained: its name as the window writes it, in Chinese.
    assert contact_b_freight.status == LicenceStatus.REQUIRED
    assert any(summary.startswith("道路运输经营许可证（普通货运）") for summary in in_chinese)
    assert not any("Road transport business licence" in summary for summary in in_chinese)


def test_a_butler_feed_holds_return_visits_audit_steps_and_periods_ending_never_cases_about_them(
    client, world
):
    language_set(user=world.butler_a.user, language="en")
    visit = contact_record(
        actor=world.butler_a.user,
        company=world.company_a,
        channel="phone",
        summary="核实车辆挂靠问题",
        return_visit_in=3,
    )
    suggestion = suggestion_submit(actor=world.contact_a, category="waiting", text="排队时间太长")
    about_her = rating_submit(actor=world.contact_a, kind="butler", overall=2, comment="回复太慢")
    _feed, token = calendar_feed_make(actor=world.butler_a.user)

    events = _events(_fetch(client, token))

    number = suggestion.case.number
    assert events == {
        (
            f"staff.contact-{visit.pk}.return-visit@{HOST}",
            date(2026, 11, 5),  # three working days after Monday 2 November
            "Return visit: 宁波北仑顺达1物流有限公司",
        ),
        (
            f"staff.case-{suggestion.case.pk}@{HOST}",
            date(2026, 11, 3),  # called back within a working day
            f"To verify: Case {number}, 宁波北仑顺达1物流有限公司",
        ),
        (
            f"staff.period-{world.period_a.pk}.end@{HOST}",
            date(2027, 4, 30),
            "宁波北仑顺达1物流有限公司: last day of the service period",
        ),
    }
    assert about_her.case.concerns == world.butler_a  # the rating about her is the manager's to audit


def test_a_manager_feed_holds_every_open_audit_step(client, world):
    language_set(user=world.manager, language="en")
    suggestion = suggestion_submit(actor=world.contact_a, category="waiting", text="排队时间太长")
    about_her = rating_submit(actor=world.contact_a, kind="butler", overall=2, comment="回复太慢")
    suggestion_b = suggestion_submit(actor=world.contact_b, category="waiting", text="停车位太少")
    _feed, token = calendar_feed_make(actor=world.manager)

    events = _events(_fetch(client, token))

    assert events == {
        (f"staff.case-{case.pk}@{HOST}", date(2026, 11, 3), f"To verify: Case {case.number}, {company}")
        for case, company in [
            (suggestion.case, "宁波北仑顺达1物流有限公司"),
            (about_her.case, "宁波北仑顺达1物流有限公司"),
            (suggestion_b.case, "宁波北仑顺达2物流有限公司"),
        ]
    }


def test_another_butlers_feed_holds_nothing_of_company_a(client, world):
    contact_record(
        actor=world.butler_a.user, company=world.company_a, channel="phone", summary="回访", return_visit_in=3
    )
    suggestion_submit(actor=world.contact_a, category="waiting", text="排队时间太长")
    _feed, token = calendar_feed_make(actor=world.butler_b.user)

    events = _events(_fetch(client, token))

    assert {uid for uid, _day, _summary in events} == {f"staff.period-{world.period_b.pk}.end@{HOST}"}


def test_an_unknown_token_is_not_found(client, world):
    calendar_feed_make(actor=world.contact_a)
    assert client.get(reverse("calendars:feed", args=["x" * 43])).status_code == 404
    assert client.get("/calendars/feed/short.ics").status_code == 404


def test_a_revoked_token_is_not_found(client, world):
    feed, token = calendar_feed_make(actor=world.contact_a)
    _fetch(client, token)
    calendar_feed_revoke(actor=world.contact_a, feed=feed)
    assert client.get(reverse("calendars:feed", args=[token])).status_code == 404


def test_a_replaced_token_is_not_found_and_the_new_one_works(client, world):
    _old, old_token = calendar_feed_make(actor=world.contact_a)
    _new, new_token = calendar_feed_make(actor=world.contact_a)
    assert client.get(reverse("calendars:feed", args=[old_token])).status_code == 404
    _fetch(client, new_token)


def test_the_token_is_kept_only_as_its_hash(world):
    feed, token = calendar_feed_make(actor=world.contact_a)
    assert len(token) >= 43  # 32 random bytes
    assert CalendarFeed.objects.get(pk=feed.pk).token_hash == hashlib.sha256(token.encode()).hexdigest()
    with connection.cursor() as cursor:
        for table in ("butler_calendarfeed", "butler_historicalcalendarfeed"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - the tables' own names
            assert not any(token in str(value) for row in cursor.fetchall() for value in row)


def test_a_contact_who_left_the_company_reads_nothing_more(client, world):
    _feed, token = calendar_feed_make(actor=world.contact_a)
    contact = world.contact_a.contact
    contact.user = None
    contact.save(update_fields=["user"])
    assert client.get(reverse("calendars:feed", args=[token])).status_code == 404


def test_a_deactivated_account_reads_nothing_more(client, world):
    _feed, token = calendar_feed_make(actor=world.butler_a.user)
    get_user_model().objects.filter(pk=world.butler_a.user.pk).update(is_active=False)
    assert client.get(reverse("calendars:feed", args=[token])).status_code == 404


def test_the_page_tells_when_a_calendar_last_read_the_feed(client, world):
    feed, token = calendar_feed_make(actor=world.contact_a)
    with time_machine.travel(datetime(2026, 11, 3, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        _fetch(client, token)
    feed.refresh_from_db()
    assert feed.last_read_at == datetime(2026, 11, 3, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert feed.history.count() == 1  # reading leaves the history alone


def test_a_company_feed_reads_in_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    issue_road_freight_licence(world)
    for n in range(6):
        truck = _truck(world, plate=f"浙B6000{n}")
        for obligation in Obligation.objects.filter(
            vehicle=truck, obligation_type__code="compulsory_insurance"
        ):
            obligation_record(
                actor=None,
                obligation=obligation,
                done_on=date(2026, 7, 1),
                reference=f"PDZA{n}",
                valid_until=date(2027, 6, 30),
            )
    _feed, token = calendar_feed_make(actor=world.contact_a)

    # The feed, its owner's roles and language, noting the read; the service period, the licences and the
    # obligations: 7, whatever their number.
    with django_assert_max_num_queries(9):
        events = _events(_fetch(client, token))

    # Two dates of the freight licence, six certificates to obtain, six policies, the end of the service.
    assert len(events) == 2 + 6 + 6 + 1


def test_a_butler_feed_reads_in_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    from tests.factories import CompanyFactory, ServicePeriodFactory, credit_code

    for n in range(5):
        company = CompanyFactory(credit_code=credit_code(70_000 + n))
        ServicePeriodFactory(company=company, butler=world.butler_a, start_date=NOW.date())
        contact_record(
            actor=world.butler_a.user, company=company, channel="phone", summary="回访", return_visit_in=2
        )
        suggestion_submit(actor=world.butler_a.user, company=company, category="waiting", text="排队时间太长")
    _feed, token = calendar_feed_make(actor=world.butler_a.user)

    # The feed, roles, language, the read; the butler, the periods, the cases, the return visits: 8.
    with django_assert_max_num_queries(10):
        events = _events(_fetch(client, token))

    assert len(events) == 6 + 5 + 5  # six periods ending (company A's too), five cases, five visits
