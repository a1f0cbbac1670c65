"""The demo load's fleets and licences: each company's vehicles, people and vessels recorded at the first
visit, its licence plan derived once, and then every licence's life told as dated steps through the real
services — what the company held already, what it applied for and when, what was missing, the trips it
made, the renewals, and how the licences closed when the company ended its service — plus the per-trip
oversize permits and the certificate numbers.

``LicenceLoading`` is mixed into ``butler.demo.loader.Loader``, whose day count, clock, butlers, catalogue
and counters it uses; ``_LicenceStory`` plans a company's licence steps and ``_Chain`` one licence's.
"""

import random
from datetime import date, datetime, timedelta
from functools import partial

from dateutil.relativedelta import relativedelta
from django.db import models

from butler.demo.clock import at_minute, backdate, renewal_notice_days
from butler.demo.data import (
    AUTHORISATION,
    CERTIFICATES,
    NOTE_CLOSED,
    NOTE_HELD,
    NOTE_MISSING,
    NOTE_PREPARING,
    NOTE_REFUSED,
    NOTE_SUPPLIED,
    NOTE_WITHDRAWN,
    OVERSIZE_NOTES,
    REASONS,
    ROAD_LICENCES,
    SEED,
    VEHICLE_TYPES,
)
from butler.demo.plan import CompanyPlan
from butler.licences.services import licence_step
from butler.service.models import ServicePeriod
from companies.models import (
    BusinessScope,
    Company,
    CompanyLicence,
    District,
    Evidence,
    LicenceChannel,
    LicenceScope,
    LicenceStatus,
    LicenceType,
    Obligation,
    Person,
    ResultDelivery,
    RouteSpan,
    Trip,
    Vehicle,
)
from companies.services import (
    application_open,
    licence_add_trip_permit,
    licence_plan_sync,
    obligation_record,
    vehicle_retire,
    vessel_add,
)
from companies.services.licences import FILING, WAITING
from companies.services.obligations import cadence_months
from reminders.models import Notice


class LicenceLoading:
    """The loader's steps for fleets and licences (mixed into ``Loader``)."""

    def butler_at(self, plan: CompanyPlan, moment: datetime):
        """The user of the butler in charge of the company at ``moment``."""
        transfer = plan.transfer
        if transfer is not None and moment >= at_minute(self.day(transfer.ago), transfer.minute):
            return self.butlers[transfer.to_butler].user
        return self.butlers[plan.butler].user

    def fleet(self, plan: CompanyPlan, state: dict, moment: datetime) -> list:
        """Record the company's vehicles, people and vessels, derive its licence plan once, and plan
        the life of each licence from here on (returned as later events)."""
        company, actor = state["company"], self.actor(plan)
        # Vehicles and people come by the hundred: written in bulk, without a history record of their
        # own (their licences have one); the few vessels go through the service.
        Vehicle.objects.bulk_create(
            Vehicle(
                company=company,
                plate=vehicle.plate,
                vehicle_type=VEHICLE_TYPES[vehicle.kind],
                total_mass_kg=vehicle.total_mass_kg,
            )
            for vehicle in plan.vehicles
        )
        Person.objects.bulk_create(
            Person(company=company, name=worker.name, role=worker.role, mobile=worker.mobile)
            for worker in plan.workers
        )
        for vessel in plan.vessels:
            vessel_add(
                actor=actor,
                company=company,
                name=vessel.name,
                registration_number=vessel.registration_number,
                sync_plan=False,
            )
        self.counts["vehicles"] += len(plan.vehicles)
        self.counts["people"] += len(plan.workers)
        self.counts["vessels"] += len(plan.vessels)
        # The service period (or, before the first visit, the registration) starts the licence deadlines.
        licence_plan_sync(company=company, actor=actor, start=moment.date())
        if plan.butler is None:
            return []
        return _LicenceStory(self, plan, company, moment).events

    def licence_step(
        self, chain: "_Chain", to: str, details: dict, moment: datetime, *, was: str = ""
    ) -> None:
        details = {"on": moment.date(), **details}
        kind = chain.licence.licence_type
        by_proxy = details.pop("by_proxy", False)
        if to in FILING and kind.scope in (LicenceScope.VEHICLE, LicenceScope.PERSON) and was not in WAITING:
            # A fleet's certificates (or its drivers') filed the same day the same way are one matter.
            key = (chain.licence.company_id, kind.pk, details["on"], details.get("channel", ""), to)
            if key in self.matters:
                details["application"] = self.matters[key]
            elif by_proxy:
                # The butler hands the fleet's papers in for the company (帮办代办); the result is posted.
                details["application"] = self.matters[key] = application_open(
                    actor=self.butler_at(chain.story.plan, moment),
                    company=chain.licence.company,
                    on=details["on"],
                    channel=details.get("channel") or LicenceChannel.WINDOW,
                    result_by=ResultDelivery.POST,
                    by_proxy=True,
                    authorisation=AUTHORISATION,
                )
        if to == LicenceStatus.ISSUED and kind.has_business_scope and "business_scopes" not in details:
            details["business_scopes"] = self.scopes_of(chain.story.plan, kind)
        if to == LicenceStatus.ISSUED and not details.get("certificate_number"):
            chain.number = chain.number or self.certificate(chain.licence.licence_type, details["on"])
            details["certificate_number"] = chain.number
        chain.licence = licence_step(
            actor=self.butler_at(chain.story.plan, moment), licence=chain.licence, to=to, **details
        )
        # A step recorded for a past day keeps no time of day; the demo's steps happen at their moment.
        stamps = {}
        if chain.licence.accepted_on == moment.date() and chain.licence.accepted_at is None:
            stamps["accepted_at"] = moment
        if to in (LicenceStatus.ISSUED, LicenceStatus.REFUSED):
            stamps["decided_at"] = moment
        if stamps:
            CompanyLicence.objects.filter(pk=chain.licence.pk).update(**stamps)
            for name, value in stamps.items():
                setattr(chain.licence, name, value)
        if to in FILING and "application" not in details and chain.licence.application_id:
            key = (chain.licence.company_id, kind.pk, details["on"], details.get("channel", ""), to)
            self.matters[key] = chain.licence.application
        if to in (LicenceStatus.MATERIALS_MISSING, LicenceStatus.DEFERRED, LicenceStatus.REFUSED):
            notices = Notice.objects.filter(key__regex=rf"^(missing|refused):{chain.licence.pk}:")
            backdate(Notice, list(notices.values_list("pk", flat=True)), created_at=moment)

    def scopes_of(self, plan: CompanyPlan, kind: LicenceType) -> list:
        """The business scope a freight licence states: general freight, containers in the container port
        of Beilun, 大件 for the heavy hauliers who carry oversize loads; dangerous goods, in tanks for the
        tanker fleets."""
        if not self.business_scopes:
            self.business_scopes = {scope.code: scope for scope in BusinessScope.objects.all()}
        if kind.code == "dangerous_goods_licence":
            codes = ["dangerous"] + (["tank"] if any(v.kind == "tank_truck" for v in plan.vehicles) else [])
        else:
            codes = ["general"]
            if plan.district == District.BEILUN:
                codes.append("container")
            if plan.oversize_ago:
                codes.append("oversize")
        return [self.business_scopes[code] for code in codes if code in self.business_scopes]

    def certificate(self, licence_type: LicenceType, on: date) -> str:
        """The next certificate number of its kind (no identity numbers: the product keeps none)."""
        code = licence_type.code
        first, pattern = CERTIFICATES.get(code, (1, code.upper() + "-{year}-{n:05d}"))
        number = self.serials.get(code, first) + self.numbers.randint(1, 9)
        self.serials[code] = number
        return pattern.format(n=number, year=on.year)

    def oversize(self, plan: CompanyPlan, state: dict, moment: datetime) -> None:
        """A class 1 oversize permit for one journey within the city, decided on the spot within half an
        hour (the company's licence covers 大件)."""
        kind = self.licence_types.get("oversize_permit_class1")
        if kind is None:
            return
        rng = random.Random(SEED * 1000 + plan.number + 500)
        actor = self.butler_at(plan, moment)
        licence = licence_add_trip_permit(
            actor=actor,
            company=state["company"],
            licence_type=kind,
            note=rng.choice(OVERSIZE_NOTES),
            route_span=RouteSpan.CITY,
        )
        at_window = rng.random() < 0.5
        channel = LicenceChannel.WINDOW if at_window else LicenceChannel.ONLINE
        licence = licence_step(
            actor=actor, licence=licence, to=LicenceStatus.APPLIED, on=moment.date(), channel=channel
        )
        self.clock.moment = moment + timedelta(minutes=rng.randint(12, 28))
        licence_step(
            actor=actor,
            licence=licence,
            to=LicenceStatus.ISSUED,
            on=moment.date(),
            certificate_number=self.certificate(kind, moment.date()),
        )

    def load_obligations(self, credit_codes: list[str]) -> None:
        """The fleet's last inspections and current policies as the companies gave them: most dated, a few
        overdue, some not given yet (the butler asks); one truck scrapped and gone from the fleet."""
        rng = random.Random(SEED * 1000 + 900)
        obligations = (
            Obligation.objects.filter(company__credit_code__in=credit_codes, ended_on__isnull=True)
            .exclude(company__service_periods__isnull=True)
            .select_related("obligation_type", "vehicle", "company")
            .order_by("pk")
        )
        periods = ServicePeriod.objects.filter(company__credit_code__in=credit_codes).select_related(
            "butler__user"
        )
        butlers = {period.company_id: period.butler.user for period in periods.order_by("start_date")}
        first_visit = {period.company_id: period.start_date for period in periods.order_by("-start_date")}
        latest = self.latest()

        def told_on(day: date, company_id: int) -> datetime:
            """The company tells its butler at the first visit, or on the day it was done after that."""
            return min(at_minute(max(day, first_visit[company_id]), 17 * 60), latest)

        for obligation in obligations:
            roll = rng.random()
            if roll < 0.12:
                continue  # not given yet
            kind = obligation.obligation_type
            actor = butlers.get(obligation.company_id)
            if kind.evidence == Evidence.DONE:
                months = cadence_months(obligation, self.today) or 12
                span = months * 30
                ago = span + rng.randint(1, 20) if roll < 0.15 else rng.randint(5, span - 3)
                done_on = self.today - timedelta(days=ago)
                self.clock.moment = told_on(done_on, obligation.company_id)
                obligation_record(actor=actor, obligation=obligation, done_on=done_on)
            else:
                until = self.today + timedelta(
                    days=rng.randint(-6, 20) if roll < 0.16 else rng.randint(21, 360)
                )
                start = until - relativedelta(years=1) + timedelta(days=1)
                self.clock.moment = told_on(min(start, self.today), obligation.company_id)
                obligation_record(
                    actor=actor,
                    obligation=obligation,
                    done_on=min(start, self.today),
                    reference=f"PDZA{start:%Y}3302{rng.randint(10**9, 10**10 - 1)}",
                    valid_until=until,
                )
            self.counts["obligations"] += 1
        truck = (
            Vehicle.objects.in_fleet()
            .filter(
                company__credit_code__in=credit_codes,
                vehicle_type="truck",
                company__service_periods__start_date__lte=self.today - timedelta(days=30),
            )
            .order_by("pk")
            .first()
        )
        if truck is not None:
            self.clock.moment = told_on(self.today - timedelta(days=12), truck.company_id)
            vehicle_retire(
                actor=butlers.get(truck.company_id),
                vehicle=truck,
                on=self.today - timedelta(days=12),
                reason="scrapped",
            )
        self.clock.moment = None

    def backdate_licences(self, credit_codes: list[str]) -> None:
        """A licence's last change is its last history record, not the moment of the load."""
        licences = CompanyLicence.objects.filter(company__credit_code__in=credit_codes)
        last = (
            CompanyLicence.history.filter(id=models.OuterRef("pk"))
            .order_by("-history_date")
            .values("history_date")[:1]
        )
        licences.update(updated_at=models.Subquery(last))
        self.counts["licences"] = licences.count()
        self.counts["trips"] = Trip.objects.filter(licence__company__credit_code__in=credit_codes).count()


class _Chain:
    """One licence's planned steps, each at a moment after the one before and none past the horizon."""

    def __init__(self, story: "_LicenceStory", licence: CompanyLicence) -> None:
        self.story = story
        self.licence = licence
        self.kind: LicenceType = licence.licence_type
        self.status: str = licence.status
        self.last: datetime = story.start
        self.open = True
        self.number = ""  # the certificate number, once issued; a renewal keeps it

    def step(self, day: date, to: str, *, force: bool = False, **details) -> datetime | None:
        """Plan the step on ``day`` (the visits it makes are recorded by the step itself); ``None`` when it
        falls past the horizon, which ends the chain. ``force``: a closing step after the company's last
        day."""
        if not self.open and not force:
            return None
        story = self.story
        moment = story.moment(day, after=self.last)
        if moment > (story.loader.latest() if force else story.horizon):
            self.open = False
            return None
        loader = story.loader
        story.events.append((moment, 4, partial(loader.licence_step, self, to, details, was=self.status)))
        self.status, self.last = to, moment
        return moment


class _LicenceStory:
    """A company's licences from its first visit on: what it held already, what it applied for and when,
    what was missing, what it renewed, and how it closed, as dated steps through the real services."""

    def __init__(self, loader: LicenceLoading, plan: CompanyPlan, company: Company, moment: datetime) -> None:
        self.loader, self.plan = loader, plan
        self.rng = random.Random(SEED * 1000 + plan.number)
        self.start = moment
        self.visit = moment.date()
        self.today = loader.today
        self.events: list = []
        self.horizon = loader.latest()
        self.closing: datetime | None = None
        if plan.end_early is not None:
            self.closing = at_minute(loader.day(plan.end_early.ago), plan.end_early.minute)
            self.horizon = min(self.horizon, self.closing)
        licences = company.licences.select_related("licence_type").order_by(
            "licence_type__position", "vehicle_id", "person_id", "vessel_id"
        )
        self.chains = [_Chain(self, licence) for licence in licences]
        self.special = plan.licence_special
        self.tell()

    # days and moments

    def working(self, day: date) -> bool:
        return day.weekday() < 5 and self.loader.calendar.is_working_day(day)

    def add(self, day: date, days: int) -> date:
        """The ``days``-th working day after ``day`` (0: the day itself, or the next working day)."""
        while not self.working(day):
            day += timedelta(days=1)
        for _ in range(days):
            day += timedelta(days=1)
            while not self.working(day):
                day += timedelta(days=1)
        return day

    def back(self, day: date) -> date:
        """The day itself, or the working day before it."""
        while not self.working(day):
            day -= timedelta(days=1)
        return day

    def moment(self, day: date, *, after: datetime) -> datetime:
        rng = self.rng
        minute = rng.choice([rng.randint(9 * 60, 11 * 60 + 40), rng.randint(13 * 60 + 45, 16 * 60 + 30)])
        moment = at_minute(day, minute)
        return moment if moment > after else after + timedelta(minutes=rng.randint(2, 25))

    def channel(self, kind: LicenceType, *, online: float = 0.45) -> str:
        """How the company applied: online or by mobile where the catalogue allows it, else at the window."""
        if not kind.online:
            return LicenceChannel.WINDOW
        roll = self.rng.random()
        if roll < online:
            return LicenceChannel.ONLINE
        return LicenceChannel.MOBILE if roll < online + 0.1 else LicenceChannel.WINDOW

    # the story

    def tell(self) -> None:
        rng = self.rng
        by_scope: dict[str, list[_Chain]] = {}
        for chain in self.chains:
            by_scope.setdefault(chain.kind.scope, []).append(chain)
        issued: dict[str, datetime | None] = {}
        for chain in by_scope.get(LicenceScope.COMPANY, []):
            issued[chain.kind.code] = self.company_licence(chain)
        roads = [issued[code] for code in ROAD_LICENCES if code in issued]
        road_gate = None if not roads or None in roads else max(roads)
        # The vehicles' certificates follow the business licence, mostly all together on one day.
        batch = self.add(road_gate.date(), rng.randint(0, 3)) if road_gate else None
        batch_channel, batch_proxy = "", False
        for chain in by_scope.get(LicenceScope.VEHICLE, []):
            if self.plan.established:
                self.held(chain, self.expiry_of_held(chain.kind, least=15))
            elif road_gate is None:
                if rng.random() < 0.5:  # waiting for the business licence
                    day = self.add(self.visit, rng.randint(1, 10))
                    chain.step(day, LicenceStatus.IN_PREPARATION, note=NOTE_PREPARING)
            else:
                chain.last = max(chain.last, road_gate)
                if not batch_channel:
                    batch_channel = self.channel(chain.kind)
                    # One window fleet in four hands its papers to the butler, who files them (帮办代办).
                    proxy_roll = random.Random(SEED * 1000 + self.plan.number + 700).random()
                    batch_proxy = batch_channel == LicenceChannel.WINDOW and proxy_roll < 0.25
                if rng.random() < 0.2:  # a vehicle that joined the fleet a little later
                    self.obtain(chain, self.add(batch, rng.randint(1, 8)), missing=0.03, prepare=0)
                else:
                    self.obtain(
                        chain, batch, channel=batch_channel, missing=0.03, prepare=0, proxy=batch_proxy
                    )
        for chain in by_scope.get(LicenceScope.PERSON, []):
            if rng.random() < (0.9 if self.plan.established else 0.85):  # mostly qualified when hired
                self.held(chain, self.expiry_of_held(chain.kind, least=30))
            else:
                self.obtain(chain, self.add(self.visit, rng.randint(3, 25)), missing=0.05, withdraw=0.05)
        ship_gate = issued.get("waterway_licence")
        for chain in by_scope.get(LicenceScope.VESSEL, []):
            if self.plan.established:
                self.held(chain, self.expiry_of_held(chain.kind, least=30))
            elif ship_gate is not None:
                chain.last = max(chain.last, ship_gate)
                self.obtain(chain, self.add(ship_gate.date(), rng.randint(0, 5)), missing=0.1)
        if self.closing is not None:
            self.close()

    def company_licence(self, chain: _Chain) -> datetime | None:
        """The company's own licence or filing; returns the moment it was issued (or recorded as held)."""
        rng, kind = self.rng, chain.kind
        special, validity = self.special, kind.validity_months
        if special in ("lapsed", "renewal_due", "renewal_applied") and validity:
            self.special = ""  # one licence of the company tells it
            if special == "lapsed":  # issued some four years ago, expired a few days ago
                expires = self.today - timedelta(days=rng.randint(4, 20))
                return self.held(chain, expires, renew=False)
            # issued long ago: its renewal is due now
            expires = self.today + timedelta(days=rng.randint(5, kind.renew_days_before + 20))
            moment = self.held(chain, expires, renew=False)
            if special == "renewal_applied":
                self.renew(chain, expires, applied=self.back(self.today - timedelta(days=rng.randint(1, 3))))
            return moment
        if special in ("materials_pending", "overdue"):
            self.special = ""
            day = self.add(self.visit, rng.randint(0, 3))
            channel = self.channel(kind)
            if special == "materials_pending":  # handed in incomplete; the company has not supplied them yet
                self.missing(chain, max(day, self.add(self.visit, 2)), channel=channel)
                return None
            chain.step(day, LicenceStatus.APPLIED, channel=channel)
            return None  # still with the authority (overdue: past the committed date)
        if self.plan.established:
            return self.held(chain, self.expiry_of_held(kind, least=60))
        # Often the licence application is the first matter itself, accepted at the first visit.
        if rng.random() < 0.45:
            return self.obtain(chain, self.visit, channel=LicenceChannel.WINDOW, missing=0.15)
        return self.obtain(chain, self.add(self.visit, rng.randint(1, 8)), missing=0.15)

    def expiry(self, kind: LicenceType, issued: date) -> date | None:
        """The last day of validity of a certificate issued on ``issued`` (as the service counts it)."""
        if not kind.validity_months:
            return None
        return issued + relativedelta(months=kind.validity_months) - timedelta(days=1)

    def expiry_of_held(self, kind: LicenceType, *, least: int) -> date | None:
        """The expiry of a certificate issued some time (at least ``least`` days) before the first visit,
        still valid then."""
        span = int(kind.validity_months * 30.4) - 20 if kind.validity_months else least
        return self.expiry(kind, self.visit - timedelta(days=self.rng.randint(least, max(least, span))))

    def held(self, chain: _Chain, expires: date | None, *, renew: bool = True) -> datetime | None:
        """A licence the company held already, recorded at the first visit with the expiry on its
        certificate (the register starts with the company, so the visit stands for the issue date, and
        the original one goes in the note); renewed from then on unless ``renew`` is off."""
        kind = chain.kind
        note = NOTE_HELD
        if expires is not None:
            issued = self.back(expires + timedelta(days=1) - relativedelta(months=kind.validity_months))
            note = f"{NOTE_HELD}（原发证日期 {issued:%Y-%m-%d}）"
        moment = chain.step(self.visit, LicenceStatus.ISSUED, expires_on=expires, note=note)
        if moment is not None and expires is not None and renew:
            self.renew(chain, expires)
        return moment

    def obtain(
        self,
        chain: _Chain,
        day: date,
        *,
        channel: str = "",
        missing: float,
        prepare: float = 0.3,
        withdraw: float = 0.0,
        proxy: bool = False,
    ) -> datetime | None:
        """Apply on ``day`` (after some preparation, now and then), perhaps complete missing materials,
        get the licence within the committed limit (mostly), and keep it renewed."""
        rng, kind = self.rng, chain.kind
        if day > self.visit and rng.random() < prepare:
            chain.step(
                self.add(self.visit, rng.randint(0, 2)), LicenceStatus.IN_PREPARATION, note=NOTE_PREPARING
            )
        channel = channel or self.channel(kind)
        window = channel == LicenceChannel.WINDOW
        complete = day
        if rng.random() < missing and self.loader.materials.get(kind.pk):
            # Handed in incomplete: one complete notice, nothing accepted until the company supplies them.
            noted = self.missing(chain, day, channel=channel)
            if noted is None:
                return None
            complete = self.add(noted, rng.randint(1, 8))
            in_person = window or rng.random() < 0.3
            applied = chain.step(complete, LicenceStatus.APPLIED, note=NOTE_SUPPLIED, at_window=in_person)
        elif rng.random() < 0.1 and self.loader.materials.get(kind.pk):
            # Accepted with a minor item to follow (容缺受理), which arrives within days.
            item = self.rng.sample(self.loader.materials[kind.pk], 1)
            applied = chain.step(
                day,
                LicenceStatus.DEFERRED,
                channel=channel,
                materials=item,
                supply_by=self.add(day, 5),
                reasons={str(item[0].pk): REASONS[0]},
            )
            if applied is not None:
                chain.step(self.add(day, rng.randint(1, 4)), LicenceStatus.APPLIED, note=NOTE_SUPPLIED)
        else:
            applied = chain.step(
                day, LicenceStatus.APPLIED, channel=channel, **({"by_proxy": True} if proxy else {})
            )
        if applied is None:
            return None
        if rng.random() < withdraw:  # the driver left before the examination
            chain.step(self.add(complete, rng.randint(1, 5)), LicenceStatus.WITHDRAWN, note=NOTE_WITHDRAWN)
            return None
        if kind.scope == LicenceScope.COMPANY and rng.random() < 0.04:
            chain.step(
                self.add(complete, rng.randint(3, 10)), LicenceStatus.REFUSED, refusal_reasons=NOTE_REFUSED
            )
            return None
        committed = kind.committed_limit_days or 1
        if kind.on_the_spot and complete == day and rng.random() < 0.85:
            issue = day
        elif rng.random() < 0.07:
            issue = self.add(day, committed + rng.randint(2, 10))  # past the committed limit
        else:
            issue = self.add(complete, rng.randint(1, committed))
        issue = max(issue, complete)
        # A result posted to the company (the butler filed for it) is never collected in person.
        collect = rng.random() < (0.4 if window else 0.1) and issue != day and not proxy
        moment = chain.step(issue, LicenceStatus.ISSUED, collected=collect)
        if moment is not None and kind.validity_months:
            self.renew(chain, self.expiry(kind, issue))
        return moment

    def missing(self, chain: _Chain, noted: date, *, channel: str) -> date | None:
        """Handed in incomplete: one complete notice of everything missing, with why and a date to supply
        them by (the company sees it in the portal)."""
        materials = self.loader.materials[chain.kind.pk]
        chosen = self.rng.sample(materials, self.rng.randint(1, min(2, len(materials))))
        reasons = {str(material.pk): self.rng.choice(REASONS) for material in chosen}
        moment = chain.step(
            noted,
            LicenceStatus.MATERIALS_MISSING,
            channel=channel,
            materials=chosen,
            reasons=reasons,
            supply_by=self.add(noted, 10),
            note=NOTE_MISSING,
        )
        return None if moment is None else noted

    def renew(self, chain: _Chain, expires: date, applied: date | None = None) -> None:
        """Apply for renewal once the reminders start, mostly before the last day to apply, as long as the
        story lasts; the certificate keeps its number and gets the next term. ``applied``: the date."""
        rng, kind = self.rng, chain.kind
        loader = self.loader
        while chain.open:
            renew_by = expires - timedelta(days=kind.renew_days_before)
            if applied is None:
                reminded = renew_by - timedelta(days=renewal_notice_days())
                if reminded > self.horizon.date():
                    return
                just_passed = self.today - timedelta(days=20) <= expires <= self.today - timedelta(days=3)
                lapses = kind.code == "vehicle_certificate" and just_passed and self.closing is None
                if lapses and not loader.vehicle_lapsed:
                    loader.vehicle_lapsed = True
                    return  # nobody applied: its expiry has just passed, it lapses
                if rng.random() < 0.9:
                    applied = self.back(renew_by - timedelta(days=rng.randint(0, 25)))
                else:  # late, but before the expiry
                    applied = self.back(
                        renew_by + timedelta(days=rng.randint(1, max(1, kind.renew_days_before - 4)))
                    )
                applied = max(applied, chain.last.date())
            # Renewals go online more often: the butler's reminder links to the form.
            channel = self.channel(kind, online=0.6)
            at_window = channel == LicenceChannel.WINDOW
            if chain.step(applied, LicenceStatus.RENEWAL_APPLIED, channel=channel) is None:
                return
            committed = kind.committed_limit_days or 1
            spot = kind.on_the_spot and rng.random() < 0.85
            issue = applied if spot else self.add(applied, rng.randint(1, committed))
            expires += relativedelta(months=kind.validity_months)
            collect = issue != applied and rng.random() < (0.3 if at_window else 0.05)
            if chain.step(issue, LicenceStatus.ISSUED, expires_on=expires, collected=collect) is None:
                return
            applied = None

    def close(self) -> None:
        """The company ended its service: it deregistered or left the district."""
        reason = self.plan.end_early.reason
        cancelled, withdrawn, dropped = NOTE_CLOSED.get(reason, ("", "", ""))
        S = LicenceStatus
        closing = {
            S.ISSUED: (S.CANCELLED, cancelled),
            S.RENEWAL_APPLIED: (S.CANCELLED, cancelled),
            S.APPLIED: (S.WITHDRAWN, withdrawn),
            S.DEFERRED: (S.WITHDRAWN, withdrawn),
            S.SUPPLEMENTING: (S.WITHDRAWN, withdrawn),
            S.MATERIALS_MISSING: (S.WITHDRAWN, withdrawn),
            S.REQUIRED: (S.NOT_REQUIRED, dropped),
            S.IN_PREPARATION: (S.NOT_REQUIRED, dropped),
        }
        for chain in self.chains:
            if chain.status in closing:
                to, note = closing[chain.status]
                chain.last = max(chain.last, self.closing + timedelta(minutes=5))
                chain.step(self.closing.date(), to, force=True, note=note)
