"""Demo data, continued: the feedback of the past months — ratings (mostly good; the bad ones with their
audit cases at every step), suggestions from the portal and recorded by butlers, and two improvement
actions, one of which took a material out of the licence catalogue.

``FeedbackStory`` runs inside ``load_demo`` after the companies' licence stories and before the reminder
replay, with the loader's history clock: every step happens on its simulated day. This module holds the
story's clock, its order and the audit steps; the ratings are told by ``butler.demo.feedback_ratings``, the
suggestions and improvements by ``butler.demo.feedback_suggestions``, from the tables in
``butler.demo.feedback_data``.
"""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from unittest import mock

from django.conf import settings
from django.utils import translation

from butler.demo.clock import at_minute, one_calendar
from butler.demo.data import SEED
from butler.demo.feedback_data import (
    BAD_RATINGS,
    CLASSIFY,
    CLOSE,
    ON_SITE_COMMENTS,
    ON_SITE_DAYS,
    ON_SITE_RATINGS,
    RECTIFY,
    RETURN_VISIT,
    REVIEW,
    SUGGESTIONS,
    UPHELD,
    VERIFY,
    CaseStep,
)
from butler.demo.feedback_ratings import RatingStory
from butler.demo.feedback_suggestions import SuggestionStory
from butler.demo.loader import Loader
from butler.feedback.cases import (
    case_classify,
    case_close,
    case_rectify,
    case_return_visit,
    case_verify,
    dispute_decide,
    may_take,
)
from butler.feedback.models import AuditCase
from butler.feedback.on_site import rating_on_site
from butler.feedback.ratings import rating_follow_up
from butler.service.models import ServicePeriod
from companies.models import Company, CompanyLicence, Contact, Trip, TripEvent


class FeedbackStory(RatingStory, SuggestionStory):
    """The feedback of the past months through the feedback services, each at its moment: ratings by
    the companies' portal contacts (mostly good; the bad ones with their audit case at every stage),
    suggestions from the portal and recorded by butlers with their cases, and the two improvement
    actions they led to — one of which took a material out of the catalogue.

    The audit steps and the improvement actions take their time from the clock: each is taken with
    the clock (``django.utils.timezone.now``) and the history at its moment, in office hours of its
    working day, mostly within the step's deadline. Portal feedback comes at any hour. A bad rating is
    about a butler, who never handles it: the manager calls back (or the company's present butler, when
    it is about another); a suggestion goes to the company's butler unless it is about them.
    """

    def __init__(self, loader: Loader) -> None:
        self.loader = loader
        self.rng = random.Random(SEED + 7)
        self.today = loader.today
        self.latest = loader.latest()
        self.calendar = loader.calendar
        self.manager = loader.manager
        self.counts = loader.counts
        self.portal: dict[int, Contact] = {}
        for contact in (
            Contact.objects.filter(user__isnull=False)
            .exclude(company__status=Company.Status.DEREGISTERED)
            .select_related("user", "company")
            .order_by("pk")
        ):
            self.portal.setdefault(contact.company_id, contact)
        self.periods: dict[int, list[ServicePeriod]] = {}
        for period in ServicePeriod.objects.select_related("butler__user", "company").order_by(
            "company_id", "-start_date", "-pk"
        ):
            self.periods.setdefault(period.company_id, []).append(period)
        self.held = set(CompanyLicence.objects.values_list("company_id", "licence_type_id").distinct())
        self.cases: list[int] = []
        self.linked: dict[str, list[AuditCase]] = {}
        self.used_companies: set[int] = set()
        # The catalogue loses a material, some two months ago.
        self.changed = at_minute(self.workday(42), 10 * 60 + 5)

    # time

    @contextmanager
    def at(self, moment: datetime) -> Iterator[None]:
        """The services read ``moment`` from the clock, and their history records carry it."""
        assert moment <= self.latest, moment
        self.loader.clock.moment = moment
        try:
            with mock.patch("django.utils.timezone.now", return_value=moment):
                yield
        finally:
            self.loader.clock.moment = None

    def workday(self, ago: int) -> date:
        """The ``ago``-th working day before today (0: today, or the working day before it)."""
        day = self.today
        while not self.calendar.is_working_day(day):
            day -= timedelta(days=1)
        for _ in range(ago):
            day -= timedelta(days=1)
            while not self.calendar.is_working_day(day):
                day -= timedelta(days=1)
        return day

    def office(self, day: date, *, after: datetime) -> datetime:
        """A moment in the office hours of ``day``, after ``after``."""
        rng = self.rng
        minute = rng.choice([rng.randint(9 * 60, 11 * 60 + 30), rng.randint(13 * 60 + 45, 16 * 60 + 45)])
        moment = at_minute(day, minute)
        return moment if moment > after else after + timedelta(minutes=rng.randint(25, 90))

    def portal_moment(self, day: date) -> datetime:
        """When a contact gives feedback on the portal: in the office, at lunch or in the evening."""
        rng = self.rng
        minute = rng.choice(
            [
                rng.randint(8 * 60 + 30, 11 * 60 + 50),
                rng.randint(12 * 60, 17 * 60 + 30),
                rng.randint(19 * 60, 22 * 60),
            ]
        )
        return min(at_minute(day, minute), self.latest - timedelta(minutes=rng.randint(5, 50)))

    # the story

    def tell(self) -> None:
        with translation.override(settings.LANGUAGE_CODE), one_calendar(self.calendar):
            rateable = self.rateable()
            for plan in BAD_RATINGS:
                self.bad_rating(plan, rateable)
            self.good_ratings(rateable)
            self.on_site_ratings()
            trimmed = self.trimmed_material()
            for plan in SUGGESTIONS:
                self.suggestion(plan, trimmed)
            self.improvements(trimmed)
        cases = AuditCase.objects.filter(pk__in=self.cases)
        self.counts["cases_open"] = cases.open().count()
        self.counts["cases_closed"] = cases.filter(step=AuditCase.Step.CLOSED).count()

    def on_site_ratings(self) -> None:
        """Some visits to the window of the last three months rated on the spot, at the counter, within
        minutes of the visit: mostly five stars, a few four."""
        rng = self.rng
        since = self.today - timedelta(days=ON_SITE_DAYS)
        trips = list(
            Trip.objects.filter(
                date__gte=since, date__lt=self.today, event__in=(TripEvent.ACCEPTED, TripEvent.COLLECTED)
            )
            .select_related("licence__company")
            .order_by("date", "pk")
        )
        for trip in rng.sample(trips, min(ON_SITE_RATINGS, len(trips))):
            moment = self.office(trip.date, after=at_minute(trip.date, 9 * 60))
            stars = 5 if rng.random() < 0.8 else 4
            with self.at(min(moment, self.latest)):
                rating_on_site(trip=trip, overall=stars, comment=rng.choice(ON_SITE_COMMENTS[stars]))
            self.counts["ratings"] += 1

    # audit cases

    def audit(self, case: AuditCase, opened: datetime, steps: tuple[CaseStep, ...]) -> None:
        """Take the case's steps, each on its working day after the feedback."""
        self.cases.append(case.pk)
        last = opened
        for step in steps:
            moment = self.office(self.calendar.add(opened.date(), step.after), after=last)
            case = self.take(case, step, moment)
            last = moment

    def take(self, case: AuditCase, step: CaseStep, moment: datetime) -> AuditCase:
        actor = self.handler(case, step.step, moment)
        with self.at(moment):
            if step.step == VERIFY:
                return case_verify(actor=actor, case=case, note=step.text, called_at=moment)
            if step.step == CLASSIFY:
                return case_classify(actor=actor, case=case, finding=step.value, reason=step.text)
            if step.step == RECTIFY:
                return case_rectify(actor=actor, case=case, rectification=step.text, done_at=moment)
            if step.step == REVIEW:
                return dispute_decide(
                    actor=self.loader.reviewer, case=case, upheld=step.value == UPHELD, reasons=step.text
                )
            if step.step == RETURN_VISIT:
                case = case_return_visit(actor=actor, case=case, note=step.text, at=moment)
                if step.value and case.rating_id:
                    # The rater re-rates (追评) that evening, on the portal.
                    later = max(moment.replace(hour=20, minute=10), moment + timedelta(minutes=1))
                    with self.at(min(later, self.latest)):
                        rating_follow_up(
                            actor=case.rating.rated_by,
                            rating=case.rating,
                            overall=int(step.value),
                            comment="",
                        )
                    self.counts["ratings"] += 1
                return case
            return case_close(actor=actor, case=case, note=step.text)

    def handler(self, case: AuditCase, step: str, moment: datetime):
        """The company's butler (in service since before ``moment``) where they may take the step,
        else the manager."""
        if step in (CLASSIFY, CLOSE):
            return self.manager
        period = self.active(case.company_id)
        if (
            period is not None
            and period.start_date < moment.date()
            and may_take(period.butler.user, case, step)
        ):
            return period.butler.user
        return self.manager

    def active(self, company_id: int) -> ServicePeriod | None:
        return next(
            (p for p in self.periods.get(company_id, []) if p.status == ServicePeriod.Status.ACTIVE), None
        )
