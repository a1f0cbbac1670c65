"""好差评 by the provincial rules: the problem of a ★1–2 is required (a tag or words), the report back to the
rater falls inside the limit counted from the rating, the rater re-rates once (追评) and that is the final
word, a dispute is decided by the reviewer alone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from butler.feedback import cases
from butler.feedback.models import AuditCase, Rating, RatingTag
from butler.feedback.on_site import visit_token
from butler.feedback.ratings import rating_follow_up, rating_submit
from butler.feedback.tag_seed import seed_rating_tags
from butler.licences.services import licence_step
from butler.oversight.dashboard import dashboard_figures
from butler.security import roles
from companies.models import CompanyLicence, LicenceStatus
from companies.services import trip_record
from tests.conftest import make_user

Step = AuditCase.Step


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def tags(db):
    seed_rating_tags(RatingTag)  # a transactional test elsewhere may have flushed the migration's rows


SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def issued(world):
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    licence_step(actor=world.butler_a.user, licence=licence, to=LicenceStatus.APPLIED, on=date(2026, 11, 2))
    return licence_step(
        actor=world.butler_a.user,
        licence=licence,
        to=LicenceStatus.ISSUED,
        on=date(2026, 11, 2),
        certificate_number="A-1",
    )


def _tag(name_zh: str) -> RatingTag:
    return RatingTag.objects.get(name_zh=name_zh)


def test_one_or_two_stars_need_the_problem_as_a_tag_or_in_words(world, issued):
    with pytest.raises(ValidationError) as error:
        rating_submit(actor=world.contact_a, kind="matter", licence=issued, overall=2, comment="  ")
    assert error.value.message_dict == {"tags": ["Tell us what went wrong: tick a tag or write a few words."]}
    with pytest.raises(ValidationError) as error:  # a tag of what went well does not say what went wrong
        rating_submit(
            actor=world.contact_a, kind="matter", licence=issued, overall=1, tags=[_tag("办事效率高")]
        )
    assert error.value.message_dict == {"tags": ["Tick only tags that fit the stars you gave."]}
    assert not Rating.objects.exists()
    rating = rating_submit(
        actor=world.contact_a,
        kind="matter",
        licence=issued,
        overall=2,
        tags=[_tag("多次跑动"), _tag("等候时间长")],
    )
    assert set(rating.tags.values_list("name_zh", flat=True)) == {"多次跑动", "等候时间长"}
    assert rating.case.step == Step.VERIFY


def test_the_rating_page_keeps_the_ticked_tags_when_the_problem_is_missing(client, world, issued):
    client.force_login(world.contact_a)
    url = reverse("feedback:rate", args=["matter", issued.pk])
    good = _tag("办事效率高")
    response = client.post(url, {"overall": "1", "tags": [good.pk], "comment": ""}, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Tick only tags that fit the stars you gave." in body
    assert f'id="tag-{good.pk}" value="{good.pk}" autocomplete="off" checked' in body
    response = client.post(url, {"overall": "1", "tags": [_tag("告知不清楚").pk]})
    assert response.status_code == 302
    assert Rating.objects.get().case is not None


def test_the_report_back_falls_inside_the_limit_counted_from_the_rating(world, issued):
    with time_machine.travel(_at(date(2026, 11, 2)), tick=False):
        rating = rating_submit(
            actor=world.contact_a, kind="matter", licence=issued, overall=1, comment="跑了三趟"
        )
    case = rating.case
    assert (case.step_due, case.rectify_due) == (
        date(2026, 11, 3),
        date(2026, 11, 23),
    )  # 1 and 15 working days
    with time_machine.travel(_at(date(2026, 11, 3)), tick=False):
        case = cases.case_verify(actor=world.manager, case=case, note="属实")
        case = cases.case_classify(actor=world.manager, case=case, finding="valid")
    # Rectified on the last day: the report back is due the same day, not five working days later.
    with time_machine.travel(_at(date(2026, 11, 23)), tick=False):
        case = cases.case_rectify(actor=world.manager, case=case, rectification="统一材料清单")
    assert (case.step, case.step_due) == (Step.RETURN_VISIT, date(2026, 11, 23))


@pytest.fixture
def reported(world, issued):
    with time_machine.travel(_at(date(2026, 11, 2)), tick=False):
        rating = rating_submit(
            actor=world.contact_a, kind="matter", licence=issued, overall=1, comment="跑了三趟"
        )
    with time_machine.travel(_at(date(2026, 11, 3)), tick=False):
        case = cases.case_verify(actor=world.manager, case=rating.case, note="属实")
        case = cases.case_classify(actor=world.manager, case=case, finding="valid")
        case = cases.case_rectify(actor=world.manager, case=case, rectification="统一材料清单")
    with time_machine.travel(_at(date(2026, 11, 4)), tick=False):
        cases.case_return_visit(actor=world.manager, case=case, note="已告知整改措施")
    return Rating.objects.get(pk=rating.pk)


def _november():
    return dashboard_figures(since=date(2026, 11, 1), until=date(2026, 11, 30), today=date(2026, 11, 20))


def test_the_rater_re_rates_once_within_the_days_and_the_re_rating_is_the_final_word(world, reported):
    invitation = world.contact_a.notices.get(key=f"follow-up:{reported.pk}")
    assert invitation.title == "整改情况已反馈：您可在 2026-11-19 前再评价一次"
    assert (_november().ratings, _november().stars[1], _november().stars[4]) == (1, 1, 0)
    with time_machine.travel(_at(date(2026, 11, 10)), tick=False):
        again = rating_follow_up(actor=world.contact_a, rating=reported, overall=4, comment="整改到位")
        with pytest.raises(ValidationError):
            rating_follow_up(actor=world.contact_a, rating=reported, overall=5)
    assert again.follows == reported and not AuditCase.objects.filter(rating=again).exists()
    figures = _november()
    assert (figures.ratings, figures.stars[1], figures.stars[4], figures.rating_average) == (1, 0, 1, 4.0)


def test_no_re_rating_after_the_days_or_by_another_contact(world, reported):
    with time_machine.travel(_at(date(2026, 11, 20)), tick=False), pytest.raises(ValidationError):
        rating_follow_up(actor=world.contact_a, rating=reported, overall=5)
    with time_machine.travel(_at(date(2026, 11, 10)), tick=False), pytest.raises(ValidationError):
        rating_follow_up(actor=world.contact_b, rating=reported, overall=5)
    assert Rating.objects.count() == 1


def test_the_re_rating_page_shows_the_first_rating_and_a_bad_re_rating_is_audited_again(
    client, world, reported
):
    url = reverse("feedback:rate_again", args=[reported.pk])
    with time_machine.travel(_at(date(2026, 11, 10)), tick=True):
        client.force_login(world.contact_a)  # signed in that day: a session ends after a day's idleness
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "You may rate once more, by 2026-11-19" in body
        response = client.post(url, {"overall": "2", "tags": [_tag("办理时间长").pk]})
    assert response.status_code == 302
    again = reported.follow_up
    assert (again.overall, again.case.step) == (2, Step.VERIFY)
    # Someone else's rating cannot be re-rated from their page.
    client.force_login(world.contact_b)
    assert client.get(url).status_code == 404


def test_the_reviewer_decides_a_dispute_on_their_page(client, world, issued):
    rating = rating_submit(actor=world.contact_a, kind="matter", licence=issued, overall=1, comment="乱评")
    case = cases.case_verify(actor=world.manager, case=rating.case, note="企业误点")
    case = cases.case_classify(actor=world.manager, case=case, finding="mistaken", reason="企业确认误操作")
    reviewer = make_user("reviewer", roles.REVIEWER)
    client.force_login(reviewer)
    listing = client.get(reverse("feedback:disputes"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert case.number in listing and "1 to decide" in listing
    url = reverse("feedback:dispute", args=[case.dispute.pk])
    response = client.post(url, {"upheld": "1", "reasons": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert client.post(url, {"upheld": "1", "reasons": "企业确认误操作，同意剔除"}).status_code == 302
    case.refresh_from_db()
    assert (case.step, case.dispute.upheld) == (Step.CLOSE, True)
    assert client.post(url, {"upheld": "0", "reasons": "改判"}).status_code == 403  # decided once


def test_the_results_are_published_without_signing_in_and_name_no_one(
    client, world, issued, django_assert_max_num_queries
):
    rating_submit(
        actor=world.contact_a, kind="matter", licence=issued, overall=1, comment="跑了三趟，窗口说法不一"
    )
    rating_submit(actor=world.contact_a, kind="butler", overall=5)
    rating_submit(actor=world.contact_b, kind="butler", overall=4)
    with django_assert_max_num_queries(3):
        response = client.get(reverse("feedback:results"), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    november = response.context["months"][0]
    assert (november.month, november.ratings, november.stars, november.bad_in_hand) == (
        date(2026, 11, 1),
        3,
        {1: 1, 2: 0, 3: 0, 4: 1, 5: 1},
        1,
    )
    assert len(response.context["months"]) == 12
    assert "1 bad rating: 0 put right and reported back, 1 being handled" in body
    assert "67%" in body  # two of three satisfied
    for private in (world.company_a.name, world.company_b.name, "跑了三趟", world.butler_a.display_name):
        assert private not in body


def test_a_visit_is_rated_on_the_spot_once_without_signing_in(client, world, issued):
    visit = trip_record(actor=world.butler_a.user, licence=issued, on=date(2026, 11, 2), purpose="领取许可证")
    client.force_login(world.butler_a.user)
    code = client.get(reverse("feedback:visit_qr", args=[visit.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert code.status_code == 200 and "<svg" in code.content.decode()
    url = code.context["url"]
    client.logout()
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "Rate your visit" in page.content.decode()
    refused = client.post(url, {"overall": "2"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Tell us what went wrong: tick a tag or write a few words." in refused.content.decode()
    assert not Rating.objects.exists()
    done = client.post(url, {"overall": "2", "tags": [_tag("等候时间长").pk]}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Thank you for your rating." in done.content.decode()
    rating = Rating.objects.get()
    assert (rating.kind, rating.company, rating.contact, rating.butler) == (
        "visit",
        world.company_a,
        None,
        world.butler_a,
    )
    assert rating.case.step == Step.VERIFY  # the company is called back like for any bad rating
    again = client.post(url, {"overall": "5"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "one rating per visit" in again.content.decode()
    assert Rating.objects.count() == 1


def test_an_altered_or_old_code_rates_nothing(client, world, issued):
    visit = trip_record(actor=world.butler_a.user, licence=issued, on=date(2026, 11, 2), purpose="领取许可证")
    token = visit_token(visit)
    altered = client.get(reverse("feedback:rate_visit", args=[token[:-2] + "xx"]), HTTP_ACCEPT_LANGUAGE="en")
    assert altered.status_code == 404 and "This code does not work" in altered.content.decode()
    with time_machine.travel(_at(date(2026, 11, 3), 23), tick=False):  # 12 hours is the limit
        old = client.post(reverse("feedback:rate_visit", args=[token]), {"overall": "5"})
    assert old.status_code == 404
    assert not Rating.objects.exists()
