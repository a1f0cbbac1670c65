"""The company's side of feedback on the portal (rate, suggest, see where it stands) and the butler recording
a suggestion heard in person; the feedback card on the company page."""

from datetime import date

import pytest
from django.urls import reverse

from butler.feedback.cases import case_classify, case_close, case_open, case_verify
from butler.feedback.ratings import rateable_for, suggestion_submit
from butler.feedback.reminding import RatingInvitationHandler
from butler.licences.services import licence_step
from butler.models import AuditCase, Rating, ServicePeriod, Suggestion
from butler.service.services import service_period_end_early
from companies.models import CompanyLicence, LicenceStatus, LicenceType
from reminders.models import Reminder
from tests.butler.test_query_counts import COMPANY_PAGE_QUERIES
from tests.conftest import make_butler
from tests.factories import ButlerFactory, ServicePeriodFactory
from tests.queries import assert_fixed_queries, page_queries

S = LicenceStatus


def freight(company) -> CompanyLicence:
    return CompanyLicence.objects.get(company=company, licence_type__code="road_freight_licence")


def issue(world, company=None, *, certificate="A-1") -> CompanyLicence:
    company = company or world.company_a
    butler = world.butler_a if company == world.company_a else world.butler_b
    licence = freight(company)
    licence_step(actor=butler.user, licence=licence, to=S.APPLIED, on=date(2026, 11, 2))
    return licence_step(
        actor=butler.user, licence=licence, to=S.ISSUED, on=date(2026, 11, 2), certificate_number=certificate
    )


def rate_url(kind: str, pk: int) -> str:
    return reverse("feedback:rate", args=[kind, pk])


@pytest.fixture
def past_butler(world):
    """Served company A before a transfer: reads its record, changes nothing."""
    butler = make_butler("past", "陈静")
    ServicePeriodFactory(
        company=world.company_a,
        butler=butler,
        start_date=date(2026, 5, 4),
        end_date=date(2026, 10, 31),
        status=ServicePeriod.Status.TRANSFERRED,
        ended_on=date(2026, 9, 1),
        reason="岗位调整",
    )
    return butler


def login(client, world, role: str, past_butler=None):
    user = {
        "company_a": world.contact_a,
        "company_b": world.contact_b,
        "butler_a": world.butler_a.user,
        "butler_b": world.butler_b.user,
        "past_butler": past_butler.user if past_butler else None,
        "manager": world.manager,
        "outsider": world.outsider,
        "anonymous": None,
    }[role]
    if user is not None:
        client.force_login(user)
    return user


# --- who may open what ------------------------------------------------------------------------------------

PORTAL_ONLY = {
    "anonymous": "login",
    "company_a": 200,
    "company_b": 200,
    "butler_a": 403,
    "past_butler": 403,
    "butler_b": 403,
    "manager": 403,
    "outsider": 403,
}


@pytest.mark.parametrize("role", sorted(PORTAL_ONLY))
@pytest.mark.parametrize(
    "name, method", [("feedback:portal", "get"), ("feedback:suggest", "get"), ("feedback:suggest", "post")]
)
def test_the_portal_feedback_pages_are_for_company_users_only(client, world, past_butler, role, name, method):
    login(client, world, role, past_butler)
    response = getattr(client, method)(reverse(name), {})
    if PORTAL_ONLY[role] == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == PORTAL_ONLY[role]
    assert not Suggestion.objects.exists()


RATE_OWN_LICENCE = PORTAL_ONLY | {"company_b": 404}


@pytest.mark.parametrize("role", sorted(RATE_OWN_LICENCE))
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_the_company_itself_opens_the_rating_of_its_licence(client, world, past_butler, role, method):
    licence = issue(world)
    login(client, world, role, past_butler)
    response = getattr(client, method)(rate_url("matter", licence.pk), {})
    if RATE_OWN_LICENCE[role] == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == RATE_OWN_LICENCE[role]
    assert not Rating.objects.exists()


def test_a_company_cannot_rate_another_companys_licence_or_period(client, world):
    licence = issue(world)
    client.force_login(world.contact_b)
    assert client.get(rate_url("matter", licence.pk)).status_code == 404
    response = client.post(rate_url("matter", licence.pk), {"overall": "1", "comment": "差"})
    assert response.status_code == 404
    assert client.get(rate_url("butler", world.period_a.pk)).status_code == 404
    assert client.get(rate_url("period", world.period_a.pk)).status_code == 404
    assert not Rating.objects.exists()


def test_an_unknown_kind_of_rating_is_not_found(client, world):
    client.force_login(world.contact_a)
    assert client.get(rate_url("window", world.period_a.pk)).status_code == 404
    assert client.get(rate_url("matter", 999_999)).status_code == 404


RECORD = {
    "anonymous": "login",
    "company_a": 403,
    "company_b": 403,
    "butler_a": 200,
    "past_butler": 403,
    "butler_b": 404,
    "manager": 200,
    "outsider": 403,
}


@pytest.mark.parametrize("role", sorted(RECORD))
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_the_serving_butler_or_a_manager_records_a_suggestion(client, world, past_butler, role, method):
    login(client, world, role, past_butler)
    response = getattr(client, method)(reverse("feedback:record_suggestion", args=[world.company_a.pk]), {})
    if RECORD[role] == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == RECORD[role]
    assert not Suggestion.objects.exists()


# --- rating -----------------------------------------------------------------------------------------------


def test_the_rating_form_offers_five_stars_with_their_labels_and_says_it_is_final(client, world):
    licence = issue(world)
    client.force_login(world.contact_a)
    response = client.get(rate_url("matter", licence.pk), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    for value, label in (
        (5, "Very satisfied"),
        (4, "Satisfied"),
        (3, "Basically satisfied"),
        (2, "Dissatisfied"),
        (1, "Very dissatisfied"),
    ):
        assert f'id="overall-{value}" value="{value}"' in page
        assert label in page
    assert "<details" in page and 'name="efficiency"' in page and 'name="attitude"' in page
    assert "cannot be changed afterwards" in page
    assert "<script>" not in page


def test_five_stars_are_stored_with_their_dimensions_and_the_company_is_thanked(client, world):
    licence = issue(world)
    client.force_login(world.contact_a)
    response = client.post(
        rate_url("matter", licence.pk),
        {"overall": "5", "efficiency": "5", "service_level": "4", "attitude": "5", "comment": "一次办好"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("feedback:portal")
    rating = Rating.objects.get()
    assert (rating.kind, rating.licence, rating.contact) == ("matter", licence, world.contact_a.contact)
    assert (rating.overall, rating.efficiency, rating.service_level, rating.attitude) == (5, 5, 4, 5)
    assert rating.comment == "一次办好" and rating.butler == world.butler_a
    assert not AuditCase.objects.exists()
    page = response.content.decode()
    assert "Thank you for your rating." in page
    assert "一次办好" in page  # listed under my ratings
    assert response.context["rateable"].licences == []


def test_one_star_opens_an_audit_case_and_promises_a_call_back(client, world):
    licence = issue(world)
    client.force_login(world.contact_a)
    response = client.post(
        rate_url("matter", licence.pk),
        {"overall": "1", "comment": "跑了三次"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    rating = Rating.objects.get()
    assert (rating.overall, rating.efficiency) == (1, None)
    case = AuditCase.objects.get(rating=rating)
    assert case.step == AuditCase.Step.VERIFY and case.concerns == world.butler_a
    page = response.content.decode()
    assert "will call you back within one working day" in page
    assert "Received" in page


def test_a_second_rating_of_the_same_matter_is_refused_and_nothing_is_stored(client, world):
    licence = issue(world)
    client.force_login(world.contact_a)
    client.post(rate_url("matter", licence.pk), {"overall": "4"})
    response = client.post(
        rate_url("matter", licence.pk), {"overall": "1", "comment": "改评"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved" in page and "You rated this on 2026-11-02." in page
    assert 'name="overall"' not in page
    assert list(Rating.objects.values_list("overall", flat=True)) == [4]
    assert not AuditCase.objects.exists()


def test_a_licence_not_issued_or_rated_long_ago_cannot_be_rated_and_says_so(client, world, time_machine):
    client.force_login(world.contact_a)
    response = client.get(rate_url("matter", freight(world.company_a).pk), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "This cannot be rated now." in response.content.decode()
    licence = issue(world)
    time_machine.move_to(date(2027, 1, 15))  # past the 30-day window
    client.force_login(world.contact_a)
    response = client.post(rate_url("matter", licence.pk), {"overall": "5"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "This cannot be rated now." in response.content.decode()
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"overall": ""},
        {"overall": "6"},
        {"overall": "5", "efficiency": "0"},
        {"overall": "3", "comment_extra": "x" * 1001},
    ],
    ids=["no stars", "six stars", "zero stars for efficiency", "huge comment"],
)
def test_a_refused_rating_keeps_what_was_typed(client, world, data):
    licence = issue(world)
    client.force_login(world.contact_a)
    comment = data.pop("comment_extra", "窗口人员很耐心，但是材料清单不清楚")
    response = client.post(rate_url("matter", licence.pk), {**data, "comment": comment})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert comment in response.content.decode()
    if data.get("overall") in ("5", "3"):
        assert f'value="{data["overall"]}" autocomplete="off" required checked' in response.content.decode()
    assert not Rating.objects.exists()


def test_the_butler_and_an_ended_period_are_rated_through_the_same_form(client, world):
    client.force_login(world.contact_a)
    assert client.get(rate_url("period", world.period_a.pk)).context["target"].rateable is False
    response = client.post(rate_url("butler", world.period_a.pk), {"overall": "5", "attitude": "5"})
    assert response.status_code == 302
    service_period_end_early(actor=world.manager, period=world.period_a, reason="企业迁出")
    response = client.post(rate_url("period", world.period_a.pk), {"overall": "4", "efficiency": "3"})
    assert response.status_code == 302
    assert sorted(Rating.objects.values_list("kind", "overall", "attitude", "efficiency")) == [
        ("butler", 5, 5, None),
        ("period", 4, None, 3),
    ]
    assert client.get(rate_url("butler", world.period_a.pk)).context["target"].rated is not None


def test_the_invitation_in_the_reminder_opens_the_rating_form(client, world):
    licence = issue(world)
    invitations = Reminder.objects.filter(subject=f"rate-licence:{licence.pk}", recipient=world.contact_a)
    invitation = invitations.first()
    assert invitation is not None
    url = RatingInvitationHandler().message(invitation).url
    assert url == reverse("feedback:rate", args=["matter", licence.pk])
    client.force_login(world.contact_a)
    response = client.get(url)
    assert response.status_code == 200 and 'name="overall"' in response.content.decode()


# --- suggestions ------------------------------------------------------------------------------------------


def test_a_suggestion_from_the_portal_is_received_and_opens_a_case(client, world):
    client.force_login(world.contact_a)
    road = LicenceType.objects.get(code="road_freight_licence")
    form_page = client.get(reverse("feedback:suggest"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert form_page.index(road.name) < form_page.index("All other licence types")
    response = client.post(
        reverse("feedback:suggest"),
        {"category": "materials", "text": "营运证申请能否免交租赁合同？", "licence_type": road.pk},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("feedback:portal")
    suggestion = Suggestion.objects.get()
    assert (suggestion.source, suggestion.contact, suggestion.licence_type) == (
        "portal",
        world.contact_a.contact,
        road,
    )
    assert AuditCase.objects.filter(suggestion=suggestion).exists()
    page = response.content.decode()
    assert "营运证申请能否免交租赁合同？" in page and "Received" in page


def test_a_refused_suggestion_keeps_the_text(client, world):
    client.force_login(world.contact_a)
    response = client.post(reverse("feedback:suggest"), {"category": "", "text": "窗口排队时间太长"})
    assert response.status_code == 200 and "窗口排队时间太长" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_the_company_sees_where_its_suggestion_stands_but_never_the_finding(client, world):
    suggestion = suggestion_submit(actor=world.contact_a, category="attitude", text="态度不好")
    case = AuditCase.objects.get(suggestion=suggestion)
    case = case_verify(actor=world.manager, case=case, note="电话核实")
    client.force_login(world.contact_a)
    page = client.get(reverse("feedback:portal"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Being checked" in page
    case = case_classify(actor=world.manager, case=case, finding="malicious", reason="恶意差评，多次骚扰")
    case_close(actor=world.manager, case=case, note="结案")
    page = client.get(reverse("feedback:portal"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Answered and closed" in page
    assert "alicious" not in page and "恶意" not in page and "电话核实" not in page


def test_the_butler_records_a_suggestion_naming_who_said_it(client, world):
    client.force_login(world.butler_a.user)
    response = client.post(
        reverse("feedback:record_suggestion", args=[world.company_a.pk]),
        {"contact": world.contact_a.contact.pk, "category": "waiting", "text": "上午排队太久"},
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "company:detail", args=[world.company_a.pk]
    )
    suggestion = Suggestion.objects.get()
    assert (suggestion.source, suggestion.contact, suggestion.submitted_by) == (
        "butler",
        world.contact_a.contact,
        world.butler_a.user,
    )
    assert AuditCase.objects.filter(suggestion=suggestion).exists()


def test_the_butler_cannot_name_a_contact_of_another_company(client, world):
    client.force_login(world.butler_a.user)
    response = client.post(
        reverse("feedback:record_suggestion", args=[world.company_a.pk]),
        {"contact": world.contact_b.contact.pk, "category": "waiting", "text": "上午排队太久"},
    )
    assert response.status_code == 200 and "上午排队太久" in response.content.decode()
    assert not Suggestion.objects.exists()


# --- the portal home and the company page -----------------------------------------------------------------


def feedback_of_company_a(world, first: int, stop: int):
    """Rows ``first``..``stop - 1`` on each list of contact A's feedback: a trip permit issued on 26 October
    and a service period of another butler ended on 20 October (both waiting for a rating), a rating (a bad
    one opens its audit case) and a suggestion with its case."""
    contact = world.contact_a.contact
    permit = LicenceType.objects.get(code="oversize_permit")
    for n in range(first, stop):
        licence = CompanyLicence.objects.create(
            company=world.company_a,
            licence_type=permit,
            subject_key=f"trip:{n}",
            status=S.ISSUED,
            issued_on=date(2026, 10, 26),
            first_issued_on=date(2026, 10, 26),
        )
        ServicePeriodFactory(
            company=world.company_a,
            butler=ButlerFactory(display_name=f"接力{n}"),
            start_date=date(2026, 4, 23),
            end_date=date(2026, 10, 20),
            status=ServicePeriod.Status.COMPLETED,
            ended_on=date(2026, 10, 20),
        )
        kind = ("matter", "period", "butler")[n % 3]
        rating = Rating.objects.create(
            kind=kind,
            company=world.company_a,
            contact=contact,
            rated_by=world.contact_a,
            butler=world.butler_a,
            period=world.period_a,
            licence=licence if kind == "matter" else None,
            matter_key=f"test:{n}",
            overall=1 + n % 5,
            efficiency=3,
            comment=f"评价{n}",
        )
        if rating.is_bad:
            case_open(rating=rating)
        suggestion_submit(actor=world.contact_a, category="procedure", text=f"建议{n}")


# measured 14 on SQLite and PostgreSQL with every list filled (test_messages.py fills them: the threads, what
# waits to be rated, the ratings given, the service periods): 10, and 4 for the next steps (the company's
# licences and their missing materials, the fleet's obligations and its vehicles' and people's licences)
PORTAL_HOME_QUERIES = 14


def test_the_portal_home_counts_what_waits_to_be_rated(client, world):
    client.force_login(world.contact_a)
    contact = world.contact_a.contact

    def shown() -> int:
        queries, response = page_queries(client, reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en")
        assert queries <= PORTAL_HOME_QUERIES
        assert response.context["to_rate"] == rateable_for(contact).count
        return response.context["to_rate"]

    assert shown() == 1  # the butler, at any time
    assert reverse("feedback:portal") in client.get(reverse("portal:home")).content.decode()
    licence = issue(world)
    assert shown() == 2
    client.post(rate_url("butler", world.period_a.pk), {"overall": "5"})
    assert shown() == 1
    service_period_end_early(actor=world.manager, period=world.period_a, reason="企业迁出")
    assert shown() == 2  # the licence and the period that ended
    client.post(rate_url("matter", licence.pk), {"overall": "4"})
    client.post(rate_url("period", world.period_a.pk), {"overall": "4"})
    assert shown() == 0


def test_the_company_page_shows_the_latest_feedback_and_who_may_record(client, world, past_butler):
    licence = issue(world)
    client.force_login(world.contact_a)
    client.post(rate_url("matter", licence.pk), {"overall": "2", "comment": "审批太慢"})
    suggestion_submit(
        actor=world.butler_a.user, company=world.company_a, category="online", text="网上系统难用"
    )
    client.force_login(world.butler_a.user)
    response = client.get(reverse("company:detail", args=[world.company_a.pk]), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "Ratings and suggestions" in page and "审批太慢" in page and "网上系统难用" in page
    assert "To verify" in page
    case = AuditCase.objects.get(rating__isnull=False)
    assert reverse("feedback:case", args=[case.pk]) in page
    assert reverse("feedback:record_suggestion", args=[world.company_a.pk]) in page
    client.force_login(past_butler.user)
    page = client.get(reverse("company:detail", args=[world.company_a.pk])).content.decode()
    assert "审批太慢" in page
    assert reverse("feedback:record_suggestion", args=[world.company_a.pk]) not in page


def test_the_company_page_stays_bounded_with_much_feedback(client, world):
    contact = world.contact_a.contact
    for n in range(20):
        rating = Rating.objects.create(
            kind="butler",
            company=world.company_a,
            contact=contact,
            rated_by=world.contact_a,
            butler=world.butler_a,
            period=world.period_a,
            matter_key=f"test:{n}",
            overall=1 + n % 5,
        )
        if rating.is_bad:
            case_open(rating=rating)
        suggestion_submit(actor=world.contact_a, category="other", text=f"建议{n}")
    client.force_login(world.butler_a.user)
    queries, response = page_queries(client, reverse("company:detail", args=[world.company_a.pk]))
    assert len(response.context["feedback"]) == 10
    # The page's bound, measured with every list of the page filled: test_query_counts.py
    assert queries <= COMPANY_PAGE_QUERIES


MY_FEEDBACK_QUERIES = 14  # measured 12 on SQLite and PostgreSQL, every list filled


def test_my_feedback_page_is_bounded_with_30_ratings(client, world):
    client.force_login(world.contact_a)

    def check(response, size):
        context = response.context
        assert len(context["rateable"].licences) == len(context["rateable"].periods) == size
        assert len(context["ratings"]) == len(context["suggestions"]) == size
        assert all(suggestion.progress for suggestion in context["suggestions"])
        assert sum(1 for rating in context["ratings"] if rating.progress) == sum(
            1 for n in range(size) if n % 5 < 2
        )  # ★1 and ★2 open a case

    response = assert_fixed_queries(
        client,
        reverse("feedback:portal"),
        fill=lambda first, stop: feedback_of_company_a(world, first, stop),
        check=check,
        at_most=MY_FEEDBACK_QUERIES,
    )
    assert "评价29" in response.content.decode()
