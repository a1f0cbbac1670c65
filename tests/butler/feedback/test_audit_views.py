"""The manager's audit pages: who may open what, a bad rating taken through its whole life cycle on the
pages, refusals kept on the form, lists in a fixed number of queries, improvement actions from cases, and the
material-reduction report."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from butler.feedback import cases as case_services
from butler.feedback.improvements import improvement_create
from butler.feedback.ratings import rating_submit, suggestion_submit
from butler.licences.services import licence_step
from butler.models import AuditCase, ContactRecord, ImprovementAction, Rating, ServicePeriod
from companies.models import CompanyLicence, LicenceMaterial, LicenceStatus
from tests.conftest import make_butler
from tests.factories import ServicePeriodFactory
from tests.queries import assert_fixed_queries

Step = AuditCase.Step
LOGIN = "login"
ROLES = [
    "anonymous",
    "company_a",
    "butler_a",
    "butler_b",
    "past_butler",
    "inactive_butler",
    "manager",
    "outsider",
]


def row(anonymous, company_a, butler_a, butler_b, past_butler, inactive_butler, manager, outsider) -> dict:
    return dict(
        zip(
            ROLES,
            [anonymous, company_a, butler_a, butler_b, past_butler, inactive_butler, manager, outsider],
            strict=True,
        )
    )


# --- the world of the audit -----------------------------------------------------------------------------


def issue_freight_licence(world) -> CompanyLicence:
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    on = date(2026, 11, 2)
    licence_step(actor=world.butler_a.user, licence=licence, to=LicenceStatus.APPLIED, on=on)
    licence_step(
        actor=world.butler_a.user, licence=licence, to=LicenceStatus.ISSUED, on=on, certificate_number="A-9"
    )
    return CompanyLicence.objects.get(pk=licence.pk)


def bad_matter_rating(world) -> AuditCase:
    licence = issue_freight_licence(world)
    rating = rating_submit(
        actor=world.contact_a,
        kind="matter",
        licence=licence,
        overall=1,
        efficiency=2,
        attitude=1,
        comment="跑了三趟才办完，窗口说法不一",
    )
    return rating.case


def bad_butler_rating(world) -> AuditCase:
    """★1 for the butler: the case is about butler_a."""
    return rating_submit(actor=world.contact_a, kind="butler", overall=1, comment="管家电话总是打不通").case


def suggestion_case(
    world, text: str = "道路运输证申请材料能否减少复印件", category: str = "materials"
) -> AuditCase:
    return suggestion_submit(actor=world.contact_a, category=category, text=text).case


def at_step(world, case: AuditCase, step: str) -> AuditCase:
    """Move a case on as the manager, through the services, up to ``step``."""
    manager = world.manager
    order = [Step.VERIFY, Step.CLASSIFY, Step.RECTIFY, Step.RETURN_VISIT, Step.CLOSE]
    for current in order[: order.index(step)]:
        case = AuditCase.objects.get(pk=case.pk)
        if current == Step.VERIFY:
            case_services.case_verify(actor=manager, case=case, note="已回电核实")
        elif current == Step.CLASSIFY:
            case_services.case_classify(actor=manager, case=case, finding="valid")
        elif current == Step.RECTIFY:
            case_services.case_rectify(actor=manager, case=case, rectification="已统一窗口口径")
        elif current == Step.RETURN_VISIT:
            case_services.case_return_visit(actor=manager, case=case, note="已告知企业整改情况")
    case = AuditCase.objects.get(pk=case.pk)
    assert case.step == step
    return case


@pytest.fixture
def audit_world(world):
    """Around company A: its butler, a butler who served it before a transfer, and a deactivated butler."""
    world.past_butler = make_butler("past", "陈静")
    ServicePeriodFactory(
        company=world.company_a,
        butler=world.past_butler,
        start_date=date(2026, 5, 4),
        end_date=date(2026, 10, 31),
        status=ServicePeriod.Status.TRANSFERRED,
        ended_on=date(2026, 9, 1),
        reason="岗位调整",
    )
    world.inactive_butler = make_butler("inactive", "赵磊", active=False)
    world.case_a = suggestion_case(world)
    world.rating_case_a = bad_butler_rating(world)
    world.action = improvement_create(
        actor=world.manager,
        title="道路运输证取消复印件",
        owner=world.manager,
        due_on=date(2026, 12, 31),
        cases=[world.case_a],
    )
    return world


def user_of(world, role):
    return {
        "anonymous": None,
        "company_a": world.contact_a,
        "butler_a": world.butler_a.user,
        "butler_b": world.butler_b.user,
        "past_butler": world.past_butler.user,
        "inactive_butler": world.inactive_butler.user,
        "manager": world.manager,
        "outsider": world.outsider,
    }[role]


STAFF_LIST = row(LOGIN, 403, 200, 200, 200, 200, 200, 403)
A_CASE_READ = row(LOGIN, 403, 200, 404, 200, 404, 200, 403)
MANAGER_ONLY = row(LOGIN, 403, 403, 403, 403, 403, 200, 403)

# (name, method, arguments from the world, data): expected status per role
ACCESS = {
    ("feedback:cases", "get"): (lambda w: [], {}, STAFF_LIST),
    ("feedback:case", "get"): (lambda w: [w.case_a.pk], {}, A_CASE_READ),
    # A suggestion with no butler concerned: company A's butler in service and the manager may call back.
    ("feedback:case_step", "post"): (
        lambda w: [w.case_a.pk, "verify"],
        {"note": "已回电，企业希望减少复印件"},
        row(LOGIN, 403, 302, 404, 403, 404, 302, 403),
    ),
    ("feedback:ratings", "get"): (lambda w: [], {}, STAFF_LIST),
    ("feedback:improvements", "get"): (lambda w: [], {}, STAFF_LIST),
    ("feedback:improvement_new", "get"): (lambda w: [], {}, MANAGER_ONLY),
    ("feedback:improvement_new", "post"): (lambda w: [], {}, MANAGER_ONLY),
    ("feedback:improvement", "get"): (lambda w: [w.action.pk], {}, STAFF_LIST),
    ("feedback:improvement", "post"): (
        lambda w: [w.action.pk],
        {},
        MANAGER_ONLY,  # an empty form comes back with its errors
    ),
    ("feedback:materials", "get"): (lambda w: [], {}, STAFF_LIST),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(ACCESS), ids=lambda key: f"{key[0]}-{key[1]}")
def test_who_may_open_the_audit_pages(client, audit_world, key, role):
    name, method = key
    args, data, expected = ACCESS[key]
    user = user_of(audit_world, role)
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(reverse(name, args=args(audit_world)), data)
    if expected[role] == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected[role], f"{role} {method.upper()} {name}"


def test_a_butler_lists_only_the_cases_of_companies_they_serve_or_served(client, audit_world):
    world = audit_world
    other = suggestion_submit(actor=world.contact_b, category="waiting", text="排队时间太长").case
    for user, sees_a, sees_b in (
        (world.manager, True, True),
        (world.butler_a.user, True, False),
        (world.past_butler.user, True, False),
        (world.butler_b.user, False, True),
        (world.inactive_butler.user, False, False),
    ):
        client.force_login(user)
        listed = {case.pk for case, _due in client.get(reverse("feedback:cases")).context["rows"]}
        assert (world.case_a.pk in listed, other.pk in listed) == (sees_a, sees_b), user.username
        rated = {r.pk for r, _what in client.get(reverse("feedback:ratings")).context["rows"]}
        assert (world.rating_case_a.rating_id in rated) == sees_a, user.username


def test_only_a_manager_is_offered_to_create_an_improvement_from_the_list(client, audit_world):
    client.force_login(audit_world.manager)
    page = client.get(reverse("feedback:cases")).content.decode()
    assert reverse("feedback:improvement_new") in page and 'name="cases"' in page
    client.force_login(audit_world.butler_a.user)
    page = client.get(reverse("feedback:cases")).content.decode()
    assert reverse("feedback:improvement_new") not in page and 'name="cases"' not in page


# --- the life cycle through the pages -------------------------------------------------------------------


def test_a_bad_rating_goes_through_its_whole_audit_on_the_pages(client, world):
    case = bad_matter_rating(world)
    assert case.concerns == world.butler_a
    client.force_login(world.manager)
    url = reverse("feedback:case", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["step_form"] is not None
    assert "跑了三趟才办完" in page.content.decode()
    assert [value for _label, value in page.context["dimensions"]] == [1, 2, 1]

    def take(step, data):
        response = client.post(reverse("feedback:case_step", args=[case.pk, step]), data)
        assert response.status_code == 302, response.context and response.context["step_form"].errors
        assert response["Location"] == url
        return AuditCase.objects.get(pk=case.pk)

    taken = take("verify", {"note": "企业反映窗口两次告知材料不一致"})
    assert (taken.step, taken.handler, taken.verification_note) == (
        Step.CLASSIFY,
        world.manager,
        "企业反映窗口两次告知材料不一致",
    )
    taken = take("classify", {"finding": "valid", "reason": ""})
    assert (taken.step, taken.finding, taken.step_due) == (Step.RECTIFY, "valid", taken.rectify_due)
    taken = take("rectify", {"rectification": "统一一次性告知清单，窗口人员培训"})
    assert taken.step == Step.RETURN_VISIT
    taken = take("return_visit", {"note": "已告知企业整改措施"})
    assert (taken.step, taken.return_visit_note) == (Step.CLOSE, "已告知企业整改措施")
    # The rater is invited to re-rate once (追评).
    invitation = world.contact_a.notices.get(key=f"follow-up:{taken.rating_id}")
    assert invitation.url == reverse("feedback:rate_again", args=[taken.rating_id])
    taken = take("close", {"note": "整改完成"})
    assert taken.is_closed and taken.closed_by == world.manager and taken.step_due is None

    calls = ContactRecord.objects.filter(company=world.company_a, important=True).order_by("occurred_at")
    assert [record.pk for record in calls] == [taken.verification_call_id, taken.return_visit_call_id]
    assert "企业反映窗口两次告知材料不一致" in calls[0].summary
    assert "已告知企业整改措施" in calls[1].summary

    page = client.get(url)
    assert page.context["step_form"] is None
    assert [item.step for item in page.context["timeline"]] == [
        Step.VERIFY,
        Step.CLASSIFY,
        Step.RECTIFY,
        Step.RETURN_VISIT,
        Step.CLOSE,
    ]
    assert all(item.met for item in page.context["timeline"])  # all on the first day
    assert [item.who for item in page.context["timeline"]] == ["manager"] * 5
    history = page.context["history"]
    assert len(history) == 6  # opened, then one change per step
    assert history[0].who == "manager" and history[-1].action
    html = page.content.decode()
    for text in ("统一一次性告知清单，窗口人员培训", "已告知企业整改措施", "整改完成"):
        assert text in html


def test_classifying_malicious_without_a_reason_keeps_the_choice_and_says_why(client, world):
    case = at_step(world, bad_butler_rating(world), Step.CLASSIFY)
    client.force_login(world.manager)
    response = client.post(
        reverse("feedback:case_step", args=[case.pk, "classify"]), {"finding": "malicious", "reason": "  "}
    )
    assert response.status_code == 200
    form = response.context["step_form"]
    assert "reason" in form.errors
    assert form["finding"].value() == "malicious"
    assert re.search(
        r'<input[^>]*name="finding"[^>]*value="malicious"[^>]*checked', response.content.decode()
    )
    assert AuditCase.objects.get(pk=case.pk).step == Step.CLASSIFY


def test_a_refused_call_back_keeps_what_was_typed(client, world):
    case = suggestion_case(world)
    client.force_login(world.manager)
    tomorrow = (date(2026, 11, 3)).isoformat() + "T10:00"
    response = client.post(
        reverse("feedback:case_step", args=[case.pk, "verify"]),
        {"note": "企业说复印件要求太多", "called_at": tomorrow},
    )
    assert response.status_code == 200
    assert "called_at" in response.context["step_form"].errors
    assert "企业说复印件要求太多" in response.content.decode()
    assert AuditCase.objects.get(pk=case.pk).step == Step.VERIFY


def test_an_unknown_or_other_step_is_not_found(client, world):
    case = suggestion_case(world)
    client.force_login(world.manager)
    assert client.post(reverse("feedback:case_step", args=[case.pk, "approve"]), {}).status_code == 404
    assert client.post(reverse("feedback:case_step", args=[case.pk, "rectify"]), {}).status_code == 404
    assert client.get(reverse("feedback:case_step", args=[case.pk, "verify"])).status_code == 405


@pytest.mark.parametrize("step", [Step.VERIFY, Step.RECTIFY, Step.RETURN_VISIT])
def test_a_butler_takes_no_step_of_a_case_about_themselves(client, world, step):
    case = at_step(world, bad_butler_rating(world), step)
    assert case.concerns == world.butler_a
    client.force_login(world.butler_a.user)
    page = client.get(reverse("feedback:case", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and page.context["step_form"] is None
    assert "A butler does not handle a case about themselves" in page.content.decode()
    data = {"note": "自己核实", "rectification": "自己整改", "satisfaction": "satisfied"}
    response = client.post(reverse("feedback:case_step", args=[case.pk, step]), data)
    assert response.status_code == 403
    assert AuditCase.objects.get(pk=case.pk).step == step


def test_a_butler_calls_back_on_a_case_about_a_colleague_at_their_company(client, world):
    case = bad_butler_rating(world)
    AuditCase.objects.filter(pk=case.pk).update(concerns=world.butler_b)
    client.force_login(world.butler_a.user)
    page = client.get(reverse("feedback:case", args=[case.pk]))
    assert page.context["step_form"] is not None
    response = client.post(
        reverse("feedback:case_step", args=[case.pk, "verify"]), {"note": "已联系企业经理"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.step, case.handler) == (Step.CLASSIFY, world.butler_a.user)


@pytest.mark.parametrize("step", [Step.CLASSIFY, Step.CLOSE])
def test_a_butler_never_classifies_or_closes(client, world, step):
    case = at_step(world, suggestion_case(world), step)
    client.force_login(world.butler_a.user)
    page = client.get(reverse("feedback:case", args=[case.pk]))
    assert page.context["step_form"] is None and page.context["who_takes"]
    response = client.post(
        reverse("feedback:case_step", args=[case.pk, step]), {"finding": "valid", "note": "结案"}
    )
    assert response.status_code == 403
    assert AuditCase.objects.get(pk=case.pk).step == step


def test_a_late_step_shows_as_late_in_the_timeline(client, world, time_machine):
    case = suggestion_case(world)
    time_machine.move_to(case.step_due + timedelta(days=3))
    case_services.case_verify(actor=world.manager, case=case, note="迟到的回电")
    client.force_login(world.manager)
    page = client.get(reverse("feedback:case", args=[case.pk]))
    (verify,) = page.context["timeline"]
    assert verify.due == case.step_due and verify.met is False


# --- the list of cases: filters and urgency -------------------------------------------------------------


def test_the_case_list_filters_open_at_risk_overdue_and_closed(client, world):
    fresh = suggestion_case(world, "办理时间能否再压缩")
    overdue = suggestion_case(world, "线上系统经常卡顿", category="online")
    AuditCase.objects.filter(pk=overdue.pk).update(step_due=date(2026, 10, 28))
    later = suggestion_case(world, "希望增加周末窗口")
    AuditCase.objects.filter(pk=later.pk).update(step_due=date(2026, 11, 20))
    closed = at_step(world, suggestion_case(world, "政策解读希望更清楚", category="policy"), Step.CLOSE)
    case_services.case_close(actor=world.manager, case=closed)
    rated = bad_butler_rating(world)
    client.force_login(world.manager)

    def listed(**query):
        response = client.get(reverse("feedback:cases"), query)
        return {case.pk for case, _due in response.context["rows"]}, dict(
            (key, count) for key, _label, count in response.context["shows"]
        )

    shown, counts = listed()
    assert shown == {fresh.pk, overdue.pk, later.pk, rated.pk}
    # At risk: due today or within two working days (as on the dashboard); the overdue are listed apart.
    assert counts == {"open": 4, "at_risk": 2, "overdue": 1, "closed": 1, "all": 5}
    assert listed(show="at_risk")[0] == {fresh.pk, rated.pk}
    assert listed(show="overdue")[0] == {overdue.pk}
    assert listed(show="closed")[0] == {closed.pk}
    assert listed(show="all", kind="rating")[0] == {rated.pk}
    assert listed(show="all", kind="suggestion")[0] == {fresh.pk, overdue.pk, later.pk, closed.pk}
    assert listed(butler=world.butler_a.pk)[0] == {rated.pk}
    assert listed(since="2026-11-03")[0] == set()
    assert listed(since="2026-11-02", until="2026-11-02")[0] == {fresh.pk, overdue.pk, later.pk, rated.pk}

    rows = dict(client.get(reverse("feedback:cases")).context["rows"])
    tones = {case.pk: due.tone for case, due in rows.items()}
    assert tones[overdue.pk] == "danger" and tones[fresh.pk] == "warning" and tones[later.pk] == ""


def test_the_ratings_list_draws_the_five_levels_and_filters(client, world):
    bad_butler_rating(world)
    rating_submit(actor=world.contact_b, kind="butler", overall=5, comment="服务很好")
    client.force_login(world.manager)
    response = client.get(reverse("feedback:ratings"))
    assert response.context["total"] == 2
    assert [(bar.stars, bar.count) for bar in response.context["bars"]] == [
        (5, 1),
        (4, 0),
        (3, 0),
        (2, 0),
        (1, 1),
    ]
    assert response.context["bad_rate"] == 0.5
    assert "<svg" in response.content.decode()
    bad = client.get(reverse("feedback:ratings"), {"stars": "bad"})
    assert [r.overall for r, _what in bad.context["rows"]] == [1]
    assert bad.context["total"] == 2  # the bars still show every level
    five = client.get(reverse("feedback:ratings"), {"stars": "5", "butler": world.butler_b.pk})
    assert [r.comment for r, _what in five.context["rows"]] == ["服务很好"]
    client.force_login(world.butler_b.user)
    assert client.get(reverse("feedback:ratings")).context["total"] == 1


# --- query counts ---------------------------------------------------------------------------------------


def _many_cases(world, first: int, stop: int):
    """Rows ``first``..``stop - 1`` on each audit list: a suggestion and a rating of each kind in turn (★1–2
    open a case), the suggestion's case moved on to rectification by the manager (who then handles it), and
    an improvement action from it, owned by a butler or the manager, every other one changing a catalogue
    entry."""
    contact = world.contact_a.contact
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    for i in range(first, stop):
        suggestion = suggestion_submit(actor=world.contact_a, category="procedure", text=f"建议{i}")
        kind = ("matter", "period", "butler")[i % 3]
        rating = Rating.objects.create(
            kind=kind,
            company=world.company_a,
            contact=contact,
            rated_by=world.contact_a,
            butler=world.butler_a,
            period=world.period_a,
            licence=licence if kind == "matter" else None,
            matter_key=f"volume:{i}",
            overall=1 + i % 5,
            comment=f"评价{i}",
        )
        if rating.is_bad:
            case_services.case_open(rating=rating)
        case = at_step(world, AuditCase.objects.get(suggestion=suggestion), Step.RECTIFY)
        improvement_create(
            actor=world.manager,
            title=f"改进{i}",
            owner=world.butler_b.user if i % 2 else world.manager,
            due_on=date(2026, 10, 1) + timedelta(days=i),
            cases=[case],
            licence_type=licence.licence_type if i % 2 else None,
            changed_on=date(2026, 10, 1) if i % 2 else None,
        )


# Measured on SQLite and PostgreSQL with every list filled, by the manager and by company A's butler.
AUDIT_LIST_QUERIES = {
    "feedback:cases": 12,
    "feedback:ratings": 11,
    "feedback:improvements": 9,
}  # measured 10, 9, 7


@pytest.mark.parametrize("who", ["manager", "butler_a"])
@pytest.mark.parametrize("name", list(AUDIT_LIST_QUERIES))
def test_audit_lists_keep_a_fixed_number_of_queries(client, world, name, who):
    client.force_login(world.manager if who == "manager" else world.butler_a.user)
    cases = AuditCase.objects.filter(company=world.company_a)

    def check(response, size):
        rows = response.context["rows"]
        if name == "feedback:cases":
            assert len(rows) == cases.count() > size  # a suggestion's and the bad ratings'
            assert sum(1 for case, _due in rows if case.handler_id) == size
        elif name == "feedback:ratings":
            assert len(rows) == size
            assert {rating.kind for rating, _what in rows} == {"matter", "period", "butler"}
        else:
            assert len(rows) == size
            assert sum(1 for action, _overdue in rows if action.licence_type_id) == size // 2

    assert_fixed_queries(
        client,
        reverse(name),
        data={"show": "all"},
        fill=lambda first, stop: _many_cases(world, first, stop),
        check=check,
        at_most=AUDIT_LIST_QUERIES[name],
    )


# --- improvement actions --------------------------------------------------------------------------------


def test_an_improvement_created_from_two_cases_shows_both(client, world):
    first, second = suggestion_case(world, "复印件太多"), bad_butler_rating(world)
    untouched = suggestion_submit(actor=world.contact_b, category="waiting", text="排队久").case
    client.force_login(world.manager)
    form_page = client.get(reverse("feedback:improvement_new"), {"cases": f"{first.pk},{second.pk}"})
    assert form_page.status_code == 200
    assert sorted(form_page.context["form"]["cases"].value()) == sorted([first.pk, second.pk])
    response = client.post(
        reverse("feedback:improvement_new"),
        {
            "title": "取消道路运输证复印件",
            "description": "以电子证照代替复印件",
            "owner": world.butler_b.user.pk,
            "due_on": "2026-12-31",
            "cases": [first.pk, second.pk],
        },
    )
    assert response.status_code == 302
    action = ImprovementAction.objects.get()
    assert response["Location"] == reverse("feedback:improvement", args=[action.pk])
    assert set(action.cases.all()) == {first, second}
    page = client.get(response["Location"])
    assert {case.pk for case in page.context["cases"]} == {first.pk, second.pk}
    assert untouched.pk not in {case.pk for case in page.context["cases"]}
    html = page.content.decode()
    assert first.number in html and second.number in html
    for case in (first, second):
        assert "取消道路运输证复印件" in client.get(reverse("feedback:case", args=[case.pk])).content.decode()


def test_a_new_improvement_with_missing_fields_comes_back_with_the_text(client, world):
    case = suggestion_case(world)
    client.force_login(world.manager)
    response = client.post(
        reverse("feedback:improvement_new"),
        {"title": "", "description": "以电子证照代替", "cases": [case.pk]},
    )
    assert response.status_code == 200
    assert {"title", "owner", "due_on"} <= set(response.context["form"].errors)
    assert "以电子证照代替" in response.content.decode()
    assert not ImprovementAction.objects.exists()


def test_the_manager_marks_an_improvement_done_with_its_outcome(client, world):
    action = improvement_create(
        actor=world.manager, title="增加周末窗口", owner=world.manager, due_on=date(2026, 10, 30)
    )
    client.force_login(world.manager)
    url = reverse("feedback:improvement", args=[action.pk])
    assert client.get(url).context["overdue"] is True
    data = {"status": "done", "owner": world.manager.pk, "due_on": "2026-10-30", "outcome": ""}
    response = client.post(url, data)
    assert response.status_code == 200 and "outcome" in response.context["form"].errors
    response = client.post(url, data | {"outcome": "每周六上午开放"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.done_on, action.outcome) == ("done", date(2026, 11, 2), "每周六上午开放")
    page = client.get(url)
    assert page.context["overdue"] is False
    status = str(ImprovementAction._meta.get_field("status").verbose_name)
    assert any(change[0] == status for entry in page.context["history"] for change in entry.changes)
    client.force_login(world.butler_a.user)
    assert client.get(url).context["form"] is None
    assert client.post(url, data | {"status": "dropped"}).status_code == 403


def test_an_improvement_linked_to_the_catalogue_shows_its_material_count_before_and_after(client, world):
    licence_type = CompanyLicence.objects.get(
        company=world.company_a, licence_type__code="road_freight_licence"
    ).licence_type
    count = licence_type.materials.count()
    action = improvement_create(
        actor=world.manager,
        title="道路运输经营许可减材料",
        owner=world.manager,
        due_on=date(2026, 12, 31),
        licence_type=licence_type,
        changed_on=date(2026, 11, 2),
    )
    licence_type.materials.first().delete()
    client.force_login(world.butler_a.user)
    page = client.get(reverse("feedback:improvement", args=[action.pk]))
    assert page.context["counts"] == (count, count - 1)


# --- the material-reduction report ----------------------------------------------------------------------


def test_the_materials_report_counts_a_removed_material(client, world):
    material = LicenceMaterial.objects.filter(licence_type__code="road_freight_licence").first()
    licence_type = material.licence_type
    action = improvement_create(
        actor=world.manager,
        title="道路运输经营许可减材料",
        owner=world.manager,
        due_on=date(2026, 12, 31),
        licence_type=licence_type,
        changed_on=date(2026, 11, 2),
    )
    client.force_login(world.manager)
    unchanged = client.get(reverse("feedback:materials")).context["reduction"]
    assert unchanged.before == unchanged.after and unchanged.rows == []
    material.delete()
    response = client.get(reverse("feedback:materials"))
    assert response.context["since"] == date(2025, 11, 2)
    reduction = response.context["reduction"]
    assert reduction.before == reduction.after + 1
    ((row, actions),) = response.context["rows"]
    assert row.licence_type == licence_type and row.before == row.after + 1
    assert actions == [action]
    assert action.title in response.content.decode()
    future = client.get(reverse("feedback:materials"), {"since": "2026-11-03"})
    assert "since" in future.context["form"].errors
    assert future.context["since"] == date(2025, 11, 2)
