"""The demo data: loaded once, valid throughout, every state present, logins work."""

import re
from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import models, transaction
from django.utils import timezone

from butler.demo.data import DEMO_PASSWORD
from butler.demo.world import load_demo, summary
from butler.feedback.improvements import licence_type_counts
from butler.models import BAD_STARS, AuditCase, ImprovementAction, Rating, ServicePeriod, Suggestion
from butler.oversight.report import year_report
from companies.credit_code import validate_credit_code
from companies.models import (
    Application,
    Company,
    CompanyLicence,
    Contact,
    LicenceMaterial,
    LicenceScope,
    LicenceStatus,
    Person,
    Trip,
    Vehicle,
    VehicleType,
    Vessel,
)
from companies.phones import validate_mobile
from companies.plates import validate_plate
from companies.workdays import add_working_days, is_working_day, local_midnight
from reminders.models import Notice

TODAY = date(2026, 3, 4)
LICENCE_MODELS = (Vehicle, Person, Vessel, CompanyLicence, Trip)
FEEDBACK_MODELS = (Rating, Suggestion, AuditCase, ImprovementAction)
S = LicenceStatus
Step, Finding = AuditCase.Step, AuditCase.Finding


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module (it takes seconds) and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        counts = load_demo(today=TODAY)
        yield counts
        transaction.set_rollback(True)


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _history_models() -> list:
    return [model for model in apps.get_models() if any(f.name == "history_date" for f in model._meta.fields)]


@pytest.mark.django_db
def test_second_load_creates_nothing(demo):
    before = _row_counts()
    subjects = {model._meta.label: model.objects.count() for model in LICENCE_MODELS}
    feedback = {model._meta.label: model.objects.count() for model in FEEDBACK_MODELS}

    second = load_demo(today=TODAY)

    assert demo["companies"] == 120
    assert demo["butlers"] == 5
    assert all(subjects.values()), subjects
    assert [demo[key] for key in ("vehicles", "people", "vessels", "licences", "trips")] == list(
        subjects.values()
    )
    assert not any(second.values())
    assert {model._meta.label: model.objects.count() for model in LICENCE_MODELS} == subjects
    assert all(feedback.values()), feedback
    assert [demo[key] for key in ("ratings", "suggestions", "improvements")] == [
        feedback["butler.Rating"],
        feedback["butler.Suggestion"],
        feedback["butler.ImprovementAction"],
    ]
    assert demo["cases_open"] + demo["cases_closed"] == feedback["butler.AuditCase"]
    assert {model._meta.label: model.objects.count() for model in FEEDBACK_MODELS} == feedback
    assert _row_counts() == before
    assert "vehicles" in summary(demo) and "trips" in summary(demo)
    assert "bad ratings" in summary(demo) and "improvements" in summary(demo)
    assert summary(second) == "Demo data already loaded; nothing to create."


@pytest.mark.django_db
def test_demo_credit_codes_and_mobiles_are_valid(demo):
    codes = list(Company.objects.values_list("credit_code", flat=True))
    for code in codes:
        validate_credit_code(code)
    mobiles = list(Contact.objects.values_list("mobile", flat=True))
    for mobile in mobiles:
        validate_mobile(mobile)

    assert len(codes) == 120
    assert len(set(mobiles)) == len(mobiles)


@pytest.mark.django_db
def test_demo_has_periods_in_every_status_and_one_active_at_most(demo):
    statuses = set(ServicePeriod.objects.values_list("status", flat=True))
    active = ServicePeriod.objects.active()
    soon, later = TODAY + timedelta(days=14), TODAY + timedelta(days=30)

    assert statuses == set(ServicePeriod.Status.values)
    for company in Company.objects.all():
        assert company.service_periods.filter(status=ServicePeriod.Status.ACTIVE).count() <= 1
    assert active.filter(end_date__lte=soon).exists()
    assert active.filter(end_date__gt=soon, end_date__lte=later).exists()
    assert not active.filter(end_date__lte=TODAY).exists()
    assert Company.objects.filter(service_periods__isnull=True).count() == 8


@pytest.mark.django_db
def test_demo_history_is_dated_on_the_simulated_days(demo):
    company = Company.objects.order_by("registered_on").first()
    first_record = company.history.earliest("history_date")
    period = company.service_periods.earliest("start_date")
    end_of_today = timezone.make_aware(datetime.combine(TODAY, time.max))

    for each in Company.objects.all():
        assert timezone.localtime(each.created_at).date() == each.registered_on
    assert timezone.localtime(first_record.history_date).date() == company.registered_on
    assert first_record.history_user is not None
    assert period.card_number.startswith(f"BL-{period.start_date.year}-")
    assert (
        timezone.localtime(period.history.earliest("history_date").history_date).date() == period.start_date
    )
    for model in _history_models():
        assert not model.objects.filter(history_date__gt=end_of_today).exists(), model


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["manager", "butler1", "company001"])
def test_demo_logins_authenticate(demo, username):
    assert authenticate(username=username, password=DEMO_PASSWORD) is not None


@pytest.mark.django_db
def test_demo_company_contact_signs_in_with_mobile(demo):
    contact = Contact.objects.select_related("user").get(user__username="company001")

    user = authenticate(username=contact.mobile, password=DEMO_PASSWORD)

    assert user == contact.user


def _codes(company: Company) -> set[str]:
    return {bt.code for bt in company.business_types.all()}


@pytest.mark.django_db
def test_demo_fleets_fit_the_business(demo):
    plates = list(Vehicle.objects.values_list("plate", flat=True))
    for plate in plates:
        validate_plate(plate)
    sizes = Counter(Vehicle.objects.values_list("company_id", flat=True))
    carriers = [
        c
        for c in Company.objects.prefetch_related("business_types")
        if _codes(c) & {"road_freight", "dangerous_goods"}
    ]
    fleets = [sizes[c.pk] for c in carriers]

    assert all(plate.startswith("浙B") for plate in plates)
    assert any(plate.endswith("挂") for plate in plates)
    assert min(fleets) >= 2 and max(fleets) <= 40
    assert sum(1 for size in fleets if size <= 8) >= 0.75 * len(fleets)
    assert any(size >= 20 for size in fleets)
    assert (
        not Vehicle.objects.filter(vehicle_type=VehicleType.TANKER)
        .exclude(company__business_types__code="dangerous_goods")
        .exists()
    )
    assert Person.objects.filter(role="escort").exists() and Person.objects.filter(role="loader").exists()
    assert not Person.objects.exclude(
        company__business_types__code__in=["road_freight", "dangerous_goods", "passenger"]
    ).exists()
    for vessel in Vessel.objects.select_related("company"):
        assert "waterway" in _codes(vessel.company)
        assert re.fullmatch(r"330206\d{6}", vessel.registration_number), vessel.registration_number


@pytest.mark.django_db
def test_demo_light_vans_of_ordinary_freight_need_no_certificate(demo):
    freight_only = [
        c.pk for c in Company.objects.prefetch_related("business_types") if _codes(c) == {"road_freight"}
    ]
    light = Vehicle.objects.filter(company__in=freight_only, total_mass_kg__lte=4500)
    heavy = Vehicle.objects.filter(company__in=freight_only, total_mass_kg__gt=4500)

    assert light.exists()
    assert not light.filter(licences__licence_type__code="vehicle_certificate").exists()
    assert heavy.filter(licences__licence_type__code="vehicle_certificate").count() == heavy.count()


@pytest.mark.django_db
def test_demo_has_licences_at_every_stage(demo):
    statuses = Counter(CompanyLicence.objects.values_list("status", flat=True))
    overdue = CompanyLicence.objects.filter(
        status__in=[S.APPLIED, S.MATERIALS_MISSING], committed_due_on__lt=TODAY
    )

    assert {S.REQUIRED, S.IN_PREPARATION, S.APPLIED, S.MATERIALS_MISSING, S.ISSUED, S.RENEWAL_DUE} <= set(
        statuses
    )
    assert {S.RENEWAL_APPLIED, S.EXPIRED, S.CANCELLED, S.WITHDRAWN} <= set(statuses)
    assert statuses[S.MATERIALS_MISSING] >= 3
    assert 1 <= statuses[S.EXPIRED] <= 2  # the lapse the service exists to prevent is rare
    assert statuses[S.ISSUED] > sum(statuses.values()) / 2
    assert overdue.exists()
    for licence in CompanyLicence.objects.filter(status=S.EXPIRED):
        assert TODAY - timedelta(days=30) <= licence.expires_on < TODAY
    notice = timedelta(days=settings.BUTLER_RENEWAL_NOTICE_DAYS)
    for licence in CompanyLicence.objects.filter(status=S.RENEWAL_DUE):
        assert licence.expires_on >= TODAY and licence.renew_by <= TODAY + notice


@pytest.mark.django_db
def test_demo_licence_dates_and_numbers_look_real(demo):
    licences = CompanyLicence.objects.select_related("licence_type")
    days = [
        day
        for row in licences.values_list("accepted_on", "issued_on", "missing_noted_on")
        for day in row
        if day is not None
    ]
    days += list(Trip.objects.values_list("date", flat=True))
    issued = licences.filter(status=S.ISSUED)

    assert days and all(day <= TODAY and day.weekday() < 5 for day in days)
    for licence in issued.filter(licence_type__code="road_freight_licence"):
        assert re.fullmatch(r"浙交运管许可甬字330206\d{6}号", licence.certificate_number)
    for licence in issued.filter(licence_type__code="vehicle_certificate"):
        assert re.fullmatch(r"330206\d{8}", licence.certificate_number)
        assert licence.expires_on > TODAY
    assert not issued.filter(certificate_number="").exists()
    on_time = issued.filter(accepted_on__isnull=False, issued_on__lte=models.F("committed_due_on"))
    assert on_time.count() > 0.8 * issued.filter(accepted_on__isnull=False).count()


@pytest.mark.django_db
def test_demo_trips_are_mostly_none_or_one(demo):
    """Trips come from the events at the window, per matter (an application): at most one visit for most."""
    matters = Application.objects.filter(licences__accepted_on__isnull=False).distinct()
    trips = Counter(
        matters.annotate(trip_count=models.Count("trips", distinct=True)).values_list("trip_count", flat=True)
    )
    permits = CompanyLicence.objects.filter(licence_type__scope=LicenceScope.TRIP)

    assert trips[0] + trips[1] > 0.8 * sum(trips.values())
    assert trips[2] > 0
    assert max(trips) <= 3
    assert trips[3] < 0.05 * sum(trips.values())
    assert set(Trip.objects.values_list("event", flat=True)) == {"accepted", "supplied", "collected"}
    # A fleet's certificates filed the same day are one matter.
    assert Application.objects.annotate(n=models.Count("licences")).filter(n__gt=1).exists()
    assert 1 <= permits.count() <= 2
    assert not permits.exclude(status=S.ISSUED).exists()
    assert all(permit.issued_on == permit.accepted_on for permit in permits)


@pytest.mark.django_db
def test_demo_shows_every_outcome(demo):
    statuses = set(CompanyLicence.objects.values_list("status", flat=True))
    assert {S.MATERIALS_MISSING, S.APPLIED, S.ISSUED, S.REFUSED} <= statuses
    refused = CompanyLicence.objects.filter(status=S.REFUSED)
    assert all(licence.refusal_reasons and licence.decided_on for licence in refused)
    assert CompanyLicence.history.filter(status=S.DEFERRED).exists()


@pytest.mark.django_db
def test_demo_company_is_told_of_missing_materials(demo):
    users = Contact.objects.filter(user__isnull=False).values("user")
    notices = Notice.objects.filter(recipient__in=users, key__startswith="missing:")
    pending = CompanyLicence.objects.filter(status=S.MATERIALS_MISSING)

    assert notices.exists()
    assert all(timezone.localtime(n.created_at).date() <= TODAY for n in notices)
    assert not pending.filter(missing_materials__isnull=True).exists()
    for licence in pending.select_related("company"):
        recipients = licence.company.contacts.filter(user__isnull=False).values("user")
        assert notices.filter(recipient__in=recipients, key__startswith=f"missing:{licence.pk}:").exists()


@pytest.mark.django_db
def test_demo_reminders_went_out_when_they_were_due_and_the_rest_wait(demo):
    from reminders.models import Reminder

    start_of_today = timezone.make_aware(datetime.combine(TODAY, time(0)))
    sent = Reminder.objects.filter(status="sent")
    assert demo["reminders_sent"] == sent.count() > 0
    assert not sent.filter(sent_at__gte=start_of_today).exists()
    assert not sent.filter(late=True).exists()  # the engine ran throughout the story
    assert {"in_app", "email", "sms"} <= set(sent.values_list("channel", flat=True))
    assert not Reminder.objects.filter(status="pending", scheduled_at__lt=start_of_today).exists()
    assert Reminder.objects.filter(status="pending").exists()
    # Nobody is sent e-mail without an address; the in-app notices carry the day they were sent.
    assert not Reminder.objects.filter(status="failed", last_error="no e-mail address").exists()
    notices = Notice.objects.filter(key__startswith="m-")  # the keys of the engine's messages
    assert notices.count() == sent.filter(channel="in_app").values("message").distinct().count()
    assert all(timezone.localtime(n.created_at).date() < TODAY for n in notices)


# --- feedback ---------------------------------------------------------------------------------------


def _end_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(TODAY, time.max))


@pytest.mark.django_db
def test_demo_ratings_are_mostly_good_from_portal_contacts(demo):
    ratings = Rating.objects.select_related("contact", "licence", "period")
    stars = Counter(rating.overall for rating in ratings)
    total = sum(stars.values())

    first_on_the_portal = [r for r in ratings if r.kind != Rating.Kind.VISIT and r.follows_id is None]
    assert demo["ratings"] == total and 60 <= len(first_on_the_portal) <= 100
    assert stars[5] >= 0.6 * total
    assert stars[5] > stars[4] > stars[3] > 0
    assert demo["bad_ratings"] == stars[1] + stars[2] <= 0.15 * total
    assert set(Counter(rating.kind for rating in ratings)) == set(Rating.Kind.values)
    assert sum(1 for rating in ratings if rating.comment) >= total / 4
    assert sum(1 for rating in ratings if rating.efficiency) >= total / 2
    for rating in ratings:
        rated_on = timezone.localtime(rating.created_at).date()
        if rating.kind == Rating.Kind.VISIT:  # on the spot, at the counter: nobody signed in
            assert rating.contact is None and rating.matter_key.startswith("visit:")
            continue
        assert rating.contact.user_id == rating.rated_by_id
        assert rating.created_at > rating.rated_by.date_joined
        assert rating.created_at <= _end_of_today()
        if rating.follows_id is not None:  # a re-rating (追评) comes after the window's report back
            assert rating.created_at > rating.follows.case.return_visit_at
            continue
        if rating.kind == Rating.Kind.MATTER:  # a licence just issued, within the rating window
            window = timedelta(days=settings.BUTLER_RATING_WINDOW_DAYS)
            assert rating.licence.issued_on <= rated_on <= rating.licence.issued_on + window
        if rating.kind == Rating.Kind.PERIOD:
            assert rating.period.ended_on <= rated_on


@pytest.mark.django_db
def test_demo_bad_ratings_have_their_case_at_every_step(demo):
    cases = AuditCase.objects.filter(rating__isnull=False).select_related("rating", "concerns")
    steps = Counter(case.step for case in cases)
    findings = Counter(case.finding for case in cases)
    closed = [case for case in cases if case.step == Step.CLOSED]

    assert cases.count() == Rating.objects.filter(overall__in=BAD_STARS).count()
    assert set(steps) == set(Step.values)
    assert steps[Step.CLOSED] >= 3
    assert {Finding.VALID, Finding.EXPLAINED, Finding.MISTAKEN, Finding.MALICIOUS} <= set(findings)
    for case in cases:
        if case.finding and case.finding != Finding.VALID:
            assert case.finding_reason and case.classified_by.username == "manager"
    # After the report back the raters re-rated (追评): satisfied and basically satisfied.
    assert {c.rating.follow_up.overall for c in closed if hasattr(c.rating, "follow_up")} >= {4, 3}
    assert any(c.finding == Finding.MALICIOUS for c in closed)
    # One rectification is overdue: the deadline the manager's dashboard shows at risk.
    overdue = cases.filter(step=Step.RECTIFY, step_due__lt=TODAY)
    assert overdue.count() == 1 and cases.filter(step=Step.RECTIFY, step_due__gte=TODAY).exists()
    assert not cases.exclude(step=Step.RECTIFY).filter(step_due__lt=TODAY).exists()


@pytest.mark.django_db
def test_demo_cases_are_taken_step_by_step_in_the_past_mostly_on_time(demo):
    cases = AuditCase.objects.select_related("concerns", "handler", "rectified_by", "rating", "suggestion")
    verified = [case for case in cases if case.verified_at]
    late = [
        case
        for case in verified
        if timezone.localtime(case.verified_at).date()
        > add_working_days(timezone.localtime(case.opened_at).date(), 1)
    ]

    for case in cases:
        moments = [
            case.opened_at,
            case.verified_at,
            case.classified_at,
            case.rectified_at,
            case.return_visit_at,
            case.closed_at,
        ]
        taken = [moment for moment in moments if moment is not None]
        assert taken == sorted(taken) and taken[-1] <= _end_of_today(), case
        assert case.opened_at == case.feedback.created_at
        for moment in taken[1:]:  # office hours of working days (make-up Saturdays included)
            assert (
                is_working_day(timezone.localtime(moment).date())
                and 9 <= timezone.localtime(moment).hour < 18
            )
        # Nobody handles a case about themselves.
        if case.concerns is not None:
            assert case.concerns.user_id not in (case.handler_id, case.rectified_by_id)
        history = case.history.order_by("history_date")
        assert history.first().history_date == case.opened_at
        assert history.last().history_date == max(taken)
    assert len(verified) >= 20
    assert 1 <= len(late) <= 2
    assert AuditCase.objects.filter(handler__username__startswith="butler").exists()


@pytest.mark.django_db
def test_demo_suggestions_from_the_portal_and_the_butlers(demo):
    suggestions = Suggestion.objects.select_related("case", "licence_type", "contact")
    steps = {suggestion.case.step for suggestion in suggestions}

    assert demo["suggestions"] == suggestions.count() >= 12
    assert {s.source for s in suggestions} == set(Suggestion.Source.values)
    assert {s.category for s in suggestions} == set(Suggestion.Category.values)
    assert sum(1 for s in suggestions if s.category == "materials" and s.licence_type) >= 3
    assert steps == set(Step.values) - {Step.REVIEW}  # a suggestion is never disputed
    for suggestion in suggestions:
        if suggestion.source == Suggestion.Source.PORTAL:
            assert suggestion.submitted_by_id == suggestion.contact.user_id
        else:
            assert suggestion.submitted_by.username.startswith("butler")
        assert suggestion.created_at <= _end_of_today()


@pytest.mark.django_db
def test_demo_improvements_one_took_a_material_out_of_the_catalogue(demo):
    done = ImprovementAction.objects.get(status=ImprovementAction.Status.DONE)
    going = ImprovementAction.objects.get(status=ImprovementAction.Status.IN_PROGRESS)
    # The improvement's removal, this winter — not the reform's removals of years ago.
    removal = LicenceMaterial.history.get(
        history_type="-", history_date__gt=local_midnight(TODAY - timedelta(days=120))
    )

    assert ImprovementAction.objects.count() == demo["improvements"] == 2
    before, after = licence_type_counts(done)
    assert before == after + 1 == done.licence_type.materials.count() + 1
    assert removal.licence_type_id == done.licence_type_id
    assert timezone.localtime(removal.history_date).date() == done.changed_on
    assert TODAY - timedelta(days=75) <= done.changed_on <= TODAY - timedelta(days=45)
    assert done.changed_on <= done.done_on < TODAY and done.outcome
    assert timezone.localtime(done.created_at).date() < done.changed_on
    assert [c.suggestion.category for c in done.cases.select_related("suggestion")] == ["materials"] * 2
    assert all(removal.name_zh in c.suggestion.text for c in done.cases.select_related("suggestion"))
    assert not CompanyLicence.missing_materials.through.objects.filter(licencematerial_id=removal.id).exists()
    assert going.due_on > TODAY and going.changed_on is None
    assert {c.suggestion.category for c in going.cases.select_related("suggestion")} == {"waiting"}
    assert going.cases.count() >= 2


@pytest.mark.django_db
def test_demo_case_reminders_went_out_after_the_case_opened(demo):
    from reminders.models import Reminder

    sent = Reminder.objects.filter(subject__startswith="case:", status="sent")
    cases = AuditCase.objects.in_bulk([int(r.subject.split(":")[1]) for r in sent])

    assert sent.exists()
    for reminder in sent:
        case = cases[int(reminder.subject.split(":")[1])]
        assert not case.is_closed and reminder.due_on == case.step_due
        assert reminder.sent_at > case.opened_at


@pytest.mark.django_db
def test_demo_year_reproduces_the_reform_article_orders_of_magnitude(demo):
    """The seed article: materials 887 → 431 (51.4 % fewer; the oversize permit 12 → 5), 62.9 % online, an
    on-the-spot item decided within 30 minutes, 10,000+ consultations each recorded, 121 new companies a
    year."""
    report = year_report(2025, today=TODAY)
    reform, materials = report.board.reform, report.board.reform.materials
    # The catalogue: about half the materials gone since the baseline, some now obtained by data sharing.
    assert (materials.before, materials.after) == (120, 58)
    assert 0.5 < materials.reduction < 0.53 and materials.shared > 0
    oversize = next(row for row in materials.rows if row.licence_type.code == "oversize_permit")
    assert (oversize.before, oversize.after) == (12, 5)
    # A year of consultations: ten thousand, most from people whose company is not registered, the hotline's
    # work orders among them, the important ones revisited.
    since_a_year = year_report(2026, today=TODAY).board.reform
    year = reform.consultations + since_a_year.consultations
    assert 9_000 < year < 11_000 and reform.without_company > reform.consultations / 2
    assert 100 < reform.hotline + since_a_year.hotline <= 150
    assert reform.revisited_share > 0.95
    # The window's year: a hundred-odd new companies, most reached; over half the matters filed online; the
    # on-the-spot decisions within half an hour.
    assert 50 < reform.registered < 130 and reform.reached_share > 0.8
    assert 0.5 < reform.online_share < 0.75
    assert reform.on_the_spot > 0 and reform.on_the_spot_minutes <= 30
