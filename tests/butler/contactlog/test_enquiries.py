"""Consultations from someone whose company is not registered yet: recorded with a name or a phone, the answer
owed a task for whoever recorded it, and joined to the company's contact log when it registers (or at once
when the credit code named is registered already). The consultation desk and the return visit of a
consultation without a company, for every role.

The world's clock: Monday 2 November 2026 (no holiday in November), so three working days later is Thursday
the 5th.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from butler.contactlog.models import ContactRecord
from butler.contactlog.selectors import contact_log
from butler.contactlog.services import enquiry_record, return_visit_complete
from butler.firstvisit.services import first_visit_register
from butler.security import roles
from reminders.models import Reminder
from tests.conftest import make_user, registration
from tests.factories import credit_code

SHANGHAI = ZoneInfo("Asia/Shanghai")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NEW_CODE = credit_code(7)  # the code of registration(7), not registered in the world
NEW_NAME = "宁波北仑顺达7物流有限公司"  # the name of registration(7)


def wrong_check_character(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def enquiry(actor, **fields) -> ContactRecord:
    values = {
        "enquirer_name": "陈先生",
        "enquirer_phone": "13905741234",
        "channel": "visit",
        "summary": "咨询新办道路运输经营许可需要的材料",
    }
    return enquiry_record(actor=actor, **(values | fields))


def pending(record, kind="return_visit") -> set[str]:
    """Who the record's pending reminders of this kind go to (usernames)."""
    return set(
        Reminder.objects.filter(subject=f"contact:{record.pk}", kind=kind, status="pending").values_list(
            "recipient__username", flat=True
        )
    )


# --- recording ------------------------------------------------------------------------------------------


def test_a_consultation_without_a_company_is_recorded_with_a_name_or_a_phone(world):
    by_name = enquiry(world.butler_a.user, enquirer_phone="", enquirer_company="宁波新港物流有限公司")
    by_phone = enquiry(world.butler_a.user, enquirer_name="", enquirer_phone="0574 8688 1234")

    assert (by_name.company, by_name.period, by_name.source) == (None, None, "window")
    assert (by_name.enquirer_name, by_name.enquirer_company) == ("陈先生", "宁波新港物流有限公司")
    assert by_name.who == "陈先生 · 宁波新港物流有限公司"
    assert by_name.recorded_by == world.butler_a.user
    assert not by_name.important and by_name.return_visit_due is None
    # A landline is kept with its area code, the way the window dials it.
    assert by_phone.enquirer_phone == "0574-86881234" and by_phone.who == "0574-86881234"
    assert ContactRecord.objects.filter(company__isnull=True).count() == 2


def test_without_a_name_or_a_phone_nothing_is_recorded(world):
    with pytest.raises(ValidationError) as refused:
        enquiry(world.butler_a.user, enquirer_name="  ", enquirer_phone="", enquirer_company="宁波新港物流")
    assert set(refused.value.message_dict) == {"enquirer_name"}
    assert not ContactRecord.objects.exists()


def test_a_wrong_phone_or_a_credit_code_with_a_wrong_check_character_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        enquiry(world.butler_a.user, enquirer_phone="12345")
    assert set(refused.value.message_dict) == {"enquirer_phone"}

    with pytest.raises(ValidationError) as refused:
        enquiry(world.butler_a.user, enquirer_credit_code=wrong_check_character(NEW_CODE))
    assert set(refused.value.message_dict) == {"enquirer_credit_code"}
    assert refused.value.message_dict["enquirer_credit_code"] == [
        "校验位不符：18 位中至少有一位输错，不一定是末位。请对照营业执照逐位核对。"
    ]
    assert not ContactRecord.objects.exists()


def test_an_answer_owed_is_a_task_for_whoever_recorded_it(world):
    record = enquiry(world.butler_b.user, return_visit_in=3)
    assert record.important and record.return_visit_due == date(2026, 11, 5)
    assert pending(record) == {"butler_b"}
    assert pending(record, "return_visit_late") == {"butler_b", "manager"}

    return_visit_complete(actor=world.butler_b.user, record=record, outcome="已电话告知所需材料")
    assert pending(record) == set() and pending(record, "return_visit_late") == set()


def test_a_credit_code_already_registered_links_the_consultation_at_once(world):
    # Written the way people read it out: in lower case and in groups.
    code = world.company_a.credit_code
    spaced = f"{code[:6]} {code[6:12]} {code[12:]}".lower()
    record = enquiry(world.butler_b.user, enquirer_credit_code=spaced, return_visit_in=3)

    assert (record.company, record.period) == (world.company_a, world.period_a)
    assert record.enquirer_credit_code == code
    assert record in contact_log(world.company_a)
    # Company A has a butler in service: the answer is theirs, not the one of whoever took the call.
    assert pending(record) == {"butler_a"}


# --- linked when the company registers --------------------------------------------------------------------


def test_registering_at_the_window_links_the_consultations_that_named_the_company(world):
    by_code = enquiry(world.butler_b.user, enquirer_credit_code=NEW_CODE, return_visit_in=3)
    by_name = enquiry(world.butler_b.user, enquirer_name="刘女士", enquirer_company=NEW_NAME)
    other_code = enquiry(
        world.butler_b.user, enquirer_company=NEW_NAME, enquirer_credit_code=credit_code(8)
    )  # the same name, but another company's code
    other_name = enquiry(world.butler_b.user, enquirer_company="宁波北仑顺达物流有限公司")
    assert pending(by_code) == {"butler_b"}

    company = first_visit_register(actor=world.butler_a.user, registration=registration(7)).period.company

    for record in (by_code, by_name, other_code, other_name):
        record.refresh_from_db()
    assert (by_code.company, by_name.company) == (company, company)
    assert (other_code.company, other_name.company) == (None, None)
    assert set(contact_log(company)) == {by_code, by_name}
    # The first visit made butler A its butler: the answer still owed went to them.
    assert pending(by_code) == {"butler_a"}
    assert pending(by_code, "return_visit_late") == {"butler_a", "manager"}


# --- the consultation desk --------------------------------------------------------------------------------


def test_each_butler_sees_the_consultations_they_recorded_and_the_manager_sees_all(client, world):
    owed = enquiry(world.butler_a.user, enquirer_name="陈先生", summary="咨询危货资质", return_visit_in=3)
    enquiry(world.butler_a.user, enquirer_name="周先生", summary="咨询年审时间")
    enquiry(world.butler_b.user, enquirer_name="吴女士", summary="咨询客运班线")
    enquiry(world.butler_a.user, enquirer_credit_code=world.company_a.credit_code, summary="已登记企业咨询")

    client.force_login(world.butler_a.user)
    page = client.get(reverse("contactlog:enquiries"), **EN)
    assert page.status_code == 200
    assert [r.pk for r in page.context["waiting"]] == [owed.pk]
    assert [r.enquirer_name for r in page.context["latest"]] == ["周先生"]
    html = page.content.decode()
    assert "咨询危货资质" in html and "due 2026-11-05" in html
    assert reverse("contactlog:return_visit", args=[owed.pk]) in html
    assert "吴女士" not in html and "已登记企业咨询" not in html  # the last is in company A's log

    client.force_login(world.manager)
    page = client.get(reverse("contactlog:enquiries"))
    seen = {r.enquirer_name for r in [*page.context["waiting"], *page.context["latest"]]}
    assert seen == {"陈先生", "周先生", "吴女士"}


def test_the_butler_records_a_consultation_from_the_desk(client, world):
    client.force_login(world.butler_a.user)
    response = client.post(
        reverse("contactlog:enquiries"),
        {
            "enquirer_name": "陈先生",
            "enquirer_phone": "139 0574 1234",
            "enquirer_company": "宁波新港物流有限公司",
            "enquirer_credit_code": NEW_CODE,
            "channel": "visit",
            "summary": "咨询新办道路运输经营许可需要的材料",
            "important": "on",
        },
        **EN,
    )
    assert response.status_code == 302 and response["Location"] == reverse("contactlog:enquiries")
    record = ContactRecord.objects.get()
    assert (record.company, record.recorded_by, record.channel) == (None, world.butler_a.user, "visit")
    assert (record.enquirer_phone, record.enquirer_credit_code) == ("13905741234", NEW_CODE)
    assert record.important and record.return_visit_due is None
    page = client.get(response["Location"], **EN)
    assert [r.pk for r in page.context["latest"]] == [record.pk] and page.context["waiting"] == []
    html = page.content.decode()
    assert "The consultation is recorded." in html and "linked when it registers" in html


def test_a_consultation_naming_a_registered_company_says_whose_log_it_joined(client, world):
    client.force_login(world.butler_b.user)
    response = client.post(
        reverse("contactlog:enquiries"),
        {
            "enquirer_name": "王先生",
            "enquirer_credit_code": world.company_a.credit_code,
            "channel": "phone",
            "summary": "咨询年审",
        },
        follow=True,
        **EN,
    )
    assert f"The consultation is recorded in the contact log of {world.company_a.name}." in (
        response.content.decode()
    )
    assert world.company_a.contact_records.get().summary == "咨询年审"


def test_an_empty_consultation_comes_back_with_what_was_typed_and_the_errors_in_chinese(client, world):
    client.force_login(world.butler_a.user)
    response = client.post(
        reverse("contactlog:enquiries"), {"enquirer_company": "宁波新港物流有限公司", "summary": ""}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"channel", "summary"}
    html = response.content.decode()
    assert "该字段是必填项。" in html and "is-invalid" in html
    assert 'value="宁波新港物流有限公司"' in html
    assert not ContactRecord.objects.exists()


def test_a_consultation_without_a_name_or_a_phone_comes_back_with_what_was_typed(client, world):
    client.force_login(world.butler_a.user)
    typed = {
        "enquirer_company": "宁波新港物流有限公司",
        "channel": "phone",
        "summary": "咨询危货资质办理条件",
    }
    response = client.post(reverse("contactlog:enquiries"), typed)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"enquirer_name"}
    html = response.content.decode()
    assert "请填写咨询人：姓名或电话至少一项。" in html
    assert "咨询危货资质办理条件" in html and 'value="宁波新港物流有限公司"' in html
    english = client.post(reverse("contactlog:enquiries"), typed, **EN).content.decode()
    assert "Say who asked: a name or a phone number." in english
    assert not ContactRecord.objects.exists()


def test_a_wrong_phone_or_credit_code_is_shown_on_its_field(client, world):
    client.force_login(world.butler_a.user)
    response = client.post(
        reverse("contactlog:enquiries"),
        {
            "enquirer_name": "陈先生",
            "enquirer_phone": "12345",
            "channel": "phone",
            "summary": "咨询",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"enquirer_phone"}
    assert "请输入带区号的固定电话（例如 0574-86881234）或 11 位手机号码。" in response.content.decode()

    wrong = wrong_check_character(NEW_CODE)
    response = client.post(
        reverse("contactlog:enquiries"),
        {"enquirer_name": "陈先生", "enquirer_credit_code": wrong, "channel": "phone", "summary": "咨询"},
    )
    assert set(response.context["form"].errors) == {"enquirer_credit_code"}
    assert "校验位不符：18 位中至少有一位输错，不一定是末位。" in response.content.decode()
    assert not ContactRecord.objects.exists()


# --- the return visit of a consultation without a company -------------------------------------------------


def test_the_recorder_makes_the_return_visit_and_goes_back_to_the_desk(client, world):
    record = enquiry(world.butler_a.user, return_visit_in=3)
    client.force_login(world.butler_a.user)
    url = reverse("contactlog:return_visit", args=[record.pk])
    page = client.get(url, **EN).content.decode()
    assert "陈先生" in page and "13905741234" in page and reverse("contactlog:enquiries") in page

    refused = client.post(url, {"outcome": ""})
    assert refused.status_code == 200 and "is-invalid" in refused.content.decode()
    done = client.post(url, {"outcome": "已电话告知所需材料"})
    assert done.status_code == 302 and done["Location"] == reverse("contactlog:enquiries")
    record.refresh_from_db()
    assert not record.return_visit_open and record.return_visit_outcome == "已电话告知所需材料"
    assert pending(record) == set()
    assert client.get(url).status_code == 404  # nothing left to record


@pytest.fixture
def reviewer(db):
    return make_user("reviewer", roles.REVIEWER)


# Recorded by butler A: butler A and the manager make its return visit; nobody else learns it exists.
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", "login"),
        ("contact_a", 403),
        ("outsider", 403),
        ("reviewer", 403),
        ("butler_b", 404),
        ("butler_a", 200),
        ("manager", 200),
    ],
)
def test_who_opens_the_return_visit_of_a_consultation_without_a_company(client, world, reviewer, who, status):
    record = enquiry(world.butler_a.user, return_visit_in=3)
    users = {"reviewer": reviewer, "butler_a": world.butler_a.user, "butler_b": world.butler_b.user}
    user = users.get(who) or getattr(world, who, None)
    if user is not None:
        client.force_login(user)
    url = reverse("contactlog:return_visit", args=[record.pk])
    response = client.get(url)
    if status == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == status
    answered = client.post(url, {"outcome": "已答复"})
    record.refresh_from_db()
    assert record.return_visit_open is (status != 200)
    if status == 200:
        assert answered.status_code == 302


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", "login"), ("contact_a", 403), ("outsider", 403), ("butler_a", 200), ("manager", 200)],
)
def test_who_opens_the_consultation_desk(client, world, who, status):
    user = {"butler_a": world.butler_a.user}.get(who) or getattr(world, who, None)
    if user is not None:
        client.force_login(user)
    for response in (
        client.get(reverse("contactlog:enquiries")),
        client.post(reverse("contactlog:enquiries"), {"enquirer_name": "陈先生", "channel": "phone"}),
    ):
        if status == "login":
            assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        else:
            assert response.status_code == status
    assert not ContactRecord.objects.exists()  # the form lacked its summary


def test_a_consultation_recorded_for_a_past_moment_keeps_it(world):
    moment = datetime(2026, 10, 30, 16, 20, tzinfo=SHANGHAI)  # Friday; 2 working days later: Tuesday
    record = enquiry(world.butler_a.user, occurred_at=moment, return_visit_in=2)
    assert record.occurred_at == moment and record.return_visit_due == date(2026, 11, 3)
