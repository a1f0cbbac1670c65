"""The demo's ratings: what each company's portal contact could rate and when (a matter after its licence
was issued, a service period after it ended, the butler during the period), the eleven bad ratings of the
feedback tables with their audit cases, and a weighted sample of good ones whose stars are dealt from a
deck in the usual shares.

``RatingStory`` is mixed into ``butler.demo.feedback.FeedbackStory``, whose clock, companies, periods and
audit steps it uses.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from butler.demo.clock import at_minute
from butler.demo.feedback_data import (
    BUTLER,
    BUTLER_COMMENTS,
    COMMENTS,
    GOOD_RATINGS,
    GOOD_STARS,
    MATTER,
    PERIOD,
    PERIOD_COMMENTS,
    RATING_LATELY_DAYS,
    SLOW_COMMENTS,
    BadRating,
)
from butler.feedback.matters import ENDED, HELD, RATED_SCOPES
from butler.feedback.models import Rating, RatingTag
from butler.feedback.ratings import rating_submit
from butler.service.models import ServicePeriod
from companies.models import CompanyLicence, Contact


@dataclass
class _Rateable:
    """Something a company's portal contact could rate, between two days."""

    kind: str
    contact: Contact
    subject: object  # the licence or the service period
    first: date
    last: date
    slow: bool = False  # a matter that took two trips or ran past its committed date


class RatingStory:
    """The ratings of the feedback story (mixed into ``FeedbackStory``)."""

    def joined(self, contact: Contact) -> date:
        return timezone.localtime(contact.user.date_joined).date() + timedelta(days=1)

    def rateable(self) -> list[_Rateable]:
        """What each portal contact could rate, and from when to when (the rating window after a licence
        was issued or a period ended; their butler from a week into the period on)."""
        window = timedelta(days=settings.BUTLER_RATING_WINDOW_DAYS)
        found = []
        licences = (
            CompanyLicence.objects.filter(
                company_id__in=self.portal,
                status__in=HELD,
                licence_type__scope__in=RATED_SCOPES,
                accepted_on__isnull=False,  # a matter the window handled, not one recorded as held
                issued_on__lte=self.today,
            )
            .annotate(trip_count=models.Count("trips"))
            .order_by("pk")
        )
        for licence in licences:
            contact = self.portal[licence.company_id]
            slow = licence.trip_count >= 2 or bool(
                licence.committed_due_on and licence.issued_on > licence.committed_due_on
            )
            first = max(licence.issued_on + timedelta(days=1), self.joined(contact))
            found.append(_Rateable(MATTER, contact, licence, first, licence.issued_on + window, slow))
        for company_id, periods in self.periods.items():
            contact = self.portal.get(company_id)
            if contact is None:
                continue
            for period in periods:
                if period.status in ENDED and period.ended_on <= self.today:
                    first = max(period.ended_on, self.joined(contact))
                    found.append(_Rateable(PERIOD, contact, period, first, period.ended_on + window))
            rated = next((p for p in periods if p.status == ServicePeriod.Status.ACTIVE), periods[0])
            last = rated.ended_on + timedelta(days=45) if rated.ended_on else self.today
            first = max(rated.start_date + timedelta(days=7), self.joined(contact))
            found.append(_Rateable(BUTLER, contact, rated, first, last))
        for each in found:
            each.last = min(each.last, self.today)
        return [each for each in found if each.first <= each.last]

    def rate(
        self, each: _Rateable, moment: datetime, stars: int, dimensions: tuple, comment: str, tags=()
    ) -> Rating:
        efficiency, service_level, attitude = dimensions
        with self.at(moment):
            rating = rating_submit(
                actor=each.contact.user,
                kind=each.kind,
                licence=each.subject if each.kind == MATTER else None,
                period=each.subject if each.kind == PERIOD else None,
                overall=stars,
                efficiency=efficiency,
                service_level=service_level,
                attitude=attitude,
                comment=comment,
                tags=list(RatingTag.objects.filter(name_zh__in=tags)),
                now=moment,
            )
        self.counts["ratings"] += 1
        return rating

    def bad_rating(self, plan: BadRating, rateable: list[_Rateable]) -> None:
        moment = at_minute(self.workday(plan.ago), plan.minute)
        day = moment.date()
        for kind in plan.kinds:
            fits = [
                each
                for each in rateable
                if each.kind == kind
                and each.first <= day <= each.last
                and each.contact.user.date_joined < moment
                and each.contact.company_id not in self.used_companies
            ]
            if fits:
                break
        else:
            return
        each = self.rng.choice(fits)
        rateable.remove(each)
        self.used_companies.add(each.contact.company_id)
        rating = self.rate(each, moment, plan.stars, plan.dimensions, plan.comment, plan.tags)
        self.counts["bad_ratings"] += 1
        self.audit(rating.case, moment, plan.steps)

    def good_ratings(self, rateable: list[_Rateable]) -> None:
        """A sample of each kind, their stars dealt from a deck of ★5, ★4 and ★3 in the usual shares
        (a matter that took two trips or ran late is more often given a lower card)."""
        rng = self.rng
        lately = self.today - timedelta(days=RATING_LATELY_DAYS)
        chosen = []
        for kind, count in GOOD_RATINGS.items():
            # Sampled with a weight (more of them lately, as companies took to rating on the portal).
            of_kind = [each for each in rateable if each.kind == kind]
            keys = {id(each): rng.random() ** (1 / (4 if each.last >= lately else 1)) for each in of_kind}
            chosen += sorted(of_kind, key=lambda each: keys[id(each)], reverse=True)[:count]
        deck = [stars for stars, share in GOOD_STARS for _ in range(round(share * len(chosen)))]
        deck += [5] * (len(chosen) - len(deck))
        rng.shuffle(deck)
        for n, each in enumerate(chosen):
            lower = next((m for m in range(n + 1, len(deck)) if deck[m] < 5), None)
            if each.slow and deck[n] == 5 and lower is not None and rng.random() < 0.6:
                deck[n], deck[lower] = deck[lower], deck[n]
            stars = deck[n]
            span = (each.last - each.first).days
            if each.kind == BUTLER:  # at any time, more often lately
                day = each.last - timedelta(days=int(span * rng.random() ** 2))
            else:  # a matter or a period: soon after
                day = each.first + timedelta(days=rng.randint(0, min(span, 10)))
            moment = self.portal_moment(day)
            if moment.date() < each.first or moment <= each.contact.user.date_joined:
                continue
            if each.slow and stars < 5:
                words = SLOW_COMMENTS
            elif stars == 5:
                words = {PERIOD: PERIOD_COMMENTS, BUTLER: BUTLER_COMMENTS}.get(each.kind, COMMENTS[5])
            else:
                words = COMMENTS[stars]
            comment = rng.choice(words) if rng.random() < (0.45 if stars == 5 else 0.8) else ""
            dimensions = (None, None, None)
            if rng.random() < 0.7:
                dimensions = tuple(min(5, max(1, stars + rng.choice((0, 0, 0, -1, 1)))) for _ in range(3))
            self.rate(each, moment, stars, dimensions, comment)
