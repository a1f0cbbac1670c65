"""The demo load: ``Loader`` writes the plan (``butler.demo.plan``) through the product's services. It
creates the manager, the administrator and the butlers, then tells every company's story as one timeline of
dated steps — registration, first visit, portal account, fleet and licence plan, transfers, early ends and
suspensions — with the history clock on each step's moment. Its fleets and licences come from
``LicenceLoading`` (``butler.demo.licences``), the contact log, messages and reminders from
``ContactLoading`` (``butler.demo.contacts``).
"""

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from butler.demo.clock import HistoryClock, at_minute, backdate, moment_at, one_calendar
from butler.demo.contacts import ContactLoading
from butler.demo.data import MANAGER, REASON_DEREGISTERED, SEED, STAFF, STAFF_EMAIL_DOMAIN
from butler.demo.licences import LicenceLoading
from butler.demo.plan import ChangePlan, CompanyPlan, Plan
from butler.firstvisit.services import first_visit_accept
from butler.security import roles
from butler.service.models import Butler, PortalInvitation, ServicePeriod
from butler.service.services import (
    butler_create,
    service_period_end_early,
    service_period_transfer,
    service_periods_complete_due,
)
from companies import workdays
from companies.models import BusinessType, Company, Contact, LicenceType
from companies.services import (
    Registration,
    company_register,
    company_update,
    contact_add,
    licence_statuses_refresh,
)


@dataclass
class Loader(LicenceLoading, ContactLoading):
    """The plan, the day the story ends on, and what the load has made so far (the counts it reports)."""

    plan: Plan
    today: date
    password: str
    counts: Counter = field(default_factory=Counter)
    clock: HistoryClock = field(default_factory=HistoryClock)
    manager: object = None
    butlers: list[Butler] = field(default_factory=list)
    types: dict[str, BusinessType] = field(default_factory=dict)
    calendar: workdays.Calendar | None = None
    licence_types: dict[str, LicenceType] = field(default_factory=dict)
    materials: dict[int, list] = field(default_factory=dict)
    serials: dict[str, int] = field(default_factory=dict)
    numbers: random.Random = field(default_factory=lambda: random.Random(SEED + 1))
    vehicle_lapsed: bool = False  # the one vehicle certificate whose expiry has just passed
    matters: dict = field(
        default_factory=dict
    )  # a fleet's filings of one day, one kind and one channel: one matter
    business_scopes: dict = field(default_factory=dict)

    def day(self, ago: int) -> date:
        """The working day ``ago`` days before today; a weekend day moves to the Friday before or the
        Monday after (by turns, so neither fills up), and never past today."""
        day = self.today - timedelta(days=ago)
        if day.weekday() >= 5 and ago % 2:
            day += timedelta(days=7 - day.weekday())
        while day > self.today or day.weekday() >= 5:
            day -= timedelta(days=1)
        return day

    def latest(self) -> datetime:
        """Nothing in the story happens after this moment: now, or the end of a ``today`` not yet over."""
        end_of_today = moment_at(self.today, time(23, 59))
        return min(timezone.now(), end_of_today) if self.today == timezone.localdate() else end_of_today

    # staff

    def user(self, username: str, name: str, *, joined: datetime, **extra):
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "first_name": name,
                "email": extra.pop("email", ""),
                "password": self.password,
                "date_joined": joined,
                **extra,
            },
        )
        self.counts["users"] += created
        return user

    def load_staff(self) -> None:
        username, name, joined_ago = MANAGER
        self.manager = self.user(
            username,
            name,
            joined=moment_at(self.day(joined_ago), time(9, 0)),
            email=f"{username}@{STAFF_EMAIL_DOMAIN}",
        )
        roles.add_role(self.manager, roles.MANAGER)
        # The reviewer of disputed ratings sits outside the window (the government service office).
        self.reviewer = self.user(
            "reviewer",
            "区政务服务办 陈敏",
            joined=moment_at(self.day(joined_ago), time(9, 0)),
            email="reviewer@zwfw.beilun.example",
        )
        roles.add_role(self.reviewer, roles.REVIEWER)
        # The back office (Django admin) belongs to IT, not to the window's manager.
        self.user(
            "admin",
            "系统管理员",
            joined=moment_at(self.day(joined_ago), time(8, 45)),
            email=f"admin@{STAFF_EMAIL_DOMAIN}",
            is_staff=True,
            is_superuser=True,
        )
        for (username, name, window, extension, joined_ago), mobile in zip(
            STAFF, self.plan.butler_mobiles, strict=True
        ):
            joined = moment_at(self.day(joined_ago), time(9, 30))
            user = self.user(username, name, joined=joined, email=f"{username}@{STAFF_EMAIL_DOMAIN}")
            butler = Butler.objects.filter(user=user).first()
            if butler is None:
                self.clock.moment = joined
                butler = butler_create(
                    actor=self.manager,
                    user=user,
                    display_name=name,
                    window=f"北仑区行政服务中心交通窗口 {window}号",
                    office_phone=f"0574-8686{extension}",
                    mobile=mobile,
                )
                self.counts["butlers"] += 1
            self.butlers.append(butler)
        self.clock.moment = None

    # companies

    def load_companies(self) -> None:
        self.types = {bt.code: bt for bt in BusinessType.objects.all()}
        self.licence_types = {lt.code: lt for lt in LicenceType.objects.prefetch_related("materials")}
        self.materials = {lt.pk: list(lt.materials.all()) for lt in self.licence_types.values()}
        self.clock.latest = self.latest()
        self.calendar = workdays.Calendar(self.today.year - 2, self.today.year + 1)  # extends itself
        codes = [c.credit_code for c in self.plan.companies]
        existing = set(Company.objects.filter(credit_code__in=codes).values_list("credit_code", flat=True))
        # The story as one timeline; a step may add later steps (a licence's life after the plan is made).
        queue: list = []
        sequence = itertools.count()
        for company in self.plan.companies:
            if company.credit_code not in existing:
                for moment, order, action in self.events_for(company):
                    heapq.heappush(queue, (moment, order, next(sequence), action))
        with one_calendar(self.calendar):
            while queue:
                moment, _order, _n, action = heapq.heappop(queue)
                self.clock.moment = moment
                for later, order, step in action(moment) or ():
                    heapq.heappush(queue, (later, order, next(sequence), step))
        self.clock.moment = None
        self.counts["completed"] = service_periods_complete_due(today=self.today)
        licence_statuses_refresh(today=self.today)
        if self.counts["companies"]:
            fresh = [c.credit_code for c in self.plan.companies if c.credit_code not in existing]
            self.load_obligations(fresh)
            self.backdate_licences(fresh)

    def events_for(self, plan: CompanyPlan) -> list[tuple[datetime, int, Callable[[datetime], None]]]:
        """The company's dated steps; each is a function of its moment and shares ``state``."""
        state: dict = {}
        registered = self.day(plan.registered_ago)
        at_registration = at_minute(registered, plan.registered_minute)
        events = [(at_registration, 0, lambda m: self.register(plan, state, m))]
        if plan.butler is None:
            events.append(
                (at_registration + timedelta(hours=3), 1, lambda m: self.portal_account(plan, state, m))
            )
            events.append((at_registration + timedelta(minutes=30), 1, lambda m: self.fleet(plan, state, m)))
            return events
        visited = max(self.day(plan.visit_ago), registered)
        at_visit = at_minute(visited, plan.visit_minute)
        if at_visit <= at_registration:
            at_visit = at_registration + timedelta(minutes=25)
        events.append((at_visit, 1, lambda m: self.first_visit(plan, state, m)))
        # At the first visit the butler records the fleet and staff, and plans the company's licences.
        events.append((at_visit + timedelta(minutes=10), 1, lambda m: self.fleet(plan, state, m)))
        if plan.oversize_ago:
            at_permit = at_minute(self.day(plan.oversize_ago), plan.oversize_minute)  # weeks after the visit
            events.append((at_permit, 4, lambda m: self.oversize(plan, state, m)))
        at_account = at_visit + timedelta(minutes=plan.account_delay_minutes)
        if at_account > self.latest():
            at_account = at_visit + timedelta(minutes=20)
        events.append((at_account, 2, lambda m: self.portal_account(plan, state, m)))
        for change, action in (
            (plan.transfer, self.transfer),
            (plan.end_early, self.end_early),
            (plan.suspend, self.suspend),
        ):
            if change is not None:
                moment = at_minute(self.day(change.ago), change.minute)
                events.append((moment, 3, lambda m, c=change, a=action: a(plan, state, c, m)))
        return events

    def actor(self, plan: CompanyPlan):
        return self.manager if plan.butler is None else self.butlers[plan.butler].user

    def register(self, plan: CompanyPlan, state: dict, moment: datetime) -> None:
        actor = self.actor(plan)
        registration = company_register(
            actor=actor,
            registration=Registration(
                name=plan.name,
                credit_code=plan.credit_code,
                registered_on=moment.date(),
                district=plan.district,
                address=plan.address,
                legal_representative=plan.legal_representative,
                business_types=[self.types[code] for code in plan.type_codes],
                contact_name=plan.primary.name,
                contact_mobile=plan.primary.mobile,
                contact_email=plan.primary.email,
                contact_position=plan.primary.position,
                status=plan.status,
            ),
        )
        company = state["company"] = registration.company
        backdate(Company, [company.pk], created_at=moment)
        company.created_at = moment  # later saves of this instance write it back
        self.counts["companies"] += 1
        self.counts["contacts"] += 1
        if plan.second is not None:
            second = plan.second
            contact_add(
                actor=actor,
                company=company,
                name=second.name,
                mobile=second.mobile,
                email=second.email,
                position=second.position,
            )
            self.counts["contacts"] += 1

    def first_visit(self, plan: CompanyPlan, state: dict, moment: datetime) -> None:
        butler = self.butlers[plan.butler]
        visit = first_visit_accept(actor=butler.user, company_id=state["company"].pk, today=moment.date())
        state["period"] = visit.period
        backdate(ServicePeriod, [visit.period.pk], created_at=moment)
        invitations = list(
            PortalInvitation.objects.filter(contact__company=state["company"]).values_list("pk", flat=True)
        )
        expires = moment + timedelta(days=settings.BUTLER_INVITATION_DAYS)
        backdate(PortalInvitation, invitations, created_at=moment, expires_at=expires)
        self.counts["service_periods"] += 1
        self.counts["invitations"] += len(invitations)

    def portal_account(self, plan: CompanyPlan, state: dict, moment: datetime) -> None:
        """The primary contact signs up for the portal, through the invitation when there is one."""
        contact = Contact.objects.get(company=state["company"], is_primary=True)
        user = self.user(f"company{plan.number:03d}", contact.name, joined=moment, email=contact.email)
        roles.add_role(user, roles.COMPANY)
        contact.user = user
        contact._history_user = user
        contact.save(update_fields=["user"])
        invitation = PortalInvitation.objects.filter(contact=contact, used_at__isnull=True).first()
        if invitation is not None:
            invitation.used_at = moment
            invitation._history_user = user
            invitation.save(update_fields=["used_at"])
        self.counts["portal_accounts"] += 1

    def transfer(self, plan: CompanyPlan, state: dict, change: ChangePlan, moment: datetime) -> None:
        if change.address:
            company_update(actor=self.manager, company=state["company"], address=change.address)
        state["period"] = service_period_transfer(
            actor=self.manager,
            period=state["period"],
            to_butler=self.butlers[change.to_butler],
            reason=change.reason,
            today=moment.date(),
        )
        backdate(ServicePeriod, [state["period"].pk], created_at=moment)
        self.counts["transfers"] += 1
        self.counts["service_periods"] += 1

    def end_early(self, plan: CompanyPlan, state: dict, change: ChangePlan, moment: datetime) -> None:
        service_period_end_early(
            actor=self.manager, period=state["period"], reason=change.reason, today=moment.date()
        )
        if change.reason == REASON_DEREGISTERED:
            company_update(actor=self.manager, company=state["company"], status=Company.Status.DEREGISTERED)
        self.counts["ended_early"] += 1

    def suspend(self, plan: CompanyPlan, state: dict, change: ChangePlan, moment: datetime) -> None:
        company_update(actor=self.actor(plan), company=state["company"], status=Company.Status.SUSPENDED)
        self.counts["suspended"] += 1
