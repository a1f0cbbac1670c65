"""The reform around the butler service, at the seed article's orders of magnitude: the catalogue as it stood
before the reform (about twice today's materials, the oversize permit's 12 → 5), the materials the window
now obtains by data sharing, and a year of consultations — some ten thousand walk-ins and calls from the
public and from companies not registered yet (a few of which registered later and joined their contact
logs), a hundred and fifty 12345 hotline work orders, the important ones revisited.

The consultations are written in bulk (the history dated on each one's moment); those still owed an answer
go through the service, so their tasks reach the butlers.
"""

import random
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from butler.contactlog.models import ContactRecord
from butler.contactlog.services import enquiry_record
from butler.demo.clock import at_minute
from butler.demo.data import GIVEN_NAMES, MOBILE_PREFIXES, SEED, SURNAMES
from butler.demo.reform_data import (
    COMPANY_WORDS,
    ENQUIRY_TOPICS,
    HOTLINE_TOPICS,
    REMOVED_MATERIALS,
    SHARED_MATERIAL_WORDS,
)
from companies.models import Company, LicenceMaterial, LicenceType

CONSULTATIONS = 9_800  # a year at the window, besides the contacts with companies in service
HOTLINE_ORDERS = 150
IMPORTANT_SHARE = 0.06
OPEN_DAYS = 3  # important consultations of the last working days still wait for their return visit


class ReformYear:
    def __init__(self, loader) -> None:
        self.loader = loader
        self.rng = random.Random(SEED + 19)
        self.today = loader.today
        self.latest = loader.latest()
        self.calendar = loader.calendar
        self.butlers = [butler.user for butler in loader.butlers]
        self.counts = loader.counts

    def tell(self) -> None:
        self.catalogue_before_the_reform()
        self.materials_shared()
        self.consultations()

    # the catalogue

    def catalogue_before_the_reform(self) -> None:
        """The materials the reform took out: in the catalogue before the baseline, removed in its first
        months (real rows created and deleted, so their history holds real ids)."""
        baseline = settings.BUTLER_REFORM_BASELINE
        clock = self.loader.clock
        types = LicenceType.objects.in_bulk(field_name="code")
        for code, names in REMOVED_MATERIALS.items():
            licence_type = types.get(code)
            if licence_type is None:
                continue
            for position, (name_zh, name_en) in enumerate(names, start=100):
                clock.moment = at_minute(baseline - timedelta(days=self.rng.randint(200, 900)), 10 * 60)
                material = LicenceMaterial(
                    licence_type=licence_type, position=position, name_zh=name_zh, name_en=name_en
                )
                material.save()
                clock.moment = at_minute(baseline + timedelta(days=self.rng.randint(20, 400)), 15 * 60)
                material.delete()
        clock.moment = None

    def materials_shared(self) -> None:
        """Identity papers, driving and vehicle licences: the window reads them from the police's and the
        ship registry's data; the applicant no longer hands them in."""
        clock = self.loader.clock
        clock.moment = at_minute(self.today - timedelta(days=300), 9 * 60 + 30)
        for material in LicenceMaterial.objects.order_by("pk"):
            if any(word in material.name_zh for word in SHARED_MATERIAL_WORDS):
                material.by_data_sharing = True
                material.save(update_fields=["by_data_sharing"])
                self.counts["materials_shared"] += 1
        clock.moment = None

    # consultations

    def moment(self, day: date) -> datetime:
        minute = self.rng.choice(
            [self.rng.randint(8 * 60 + 40, 11 * 60 + 50), self.rng.randint(13 * 60 + 35, 17 * 60)]
        )
        return min(at_minute(day, minute), self.latest - timedelta(minutes=5))

    def working_days(self) -> list[date]:
        """The past year's working days whose office hours had begun by the end of the story."""
        days, day = [], self.today - timedelta(days=364)
        while day <= self.today:
            if self.calendar.is_working_day(day) and at_minute(day, 8 * 60 + 40) < self.latest:
                days.append(day)
            day += timedelta(days=1)
        return days

    def person(self) -> tuple[str, str]:
        name = self.rng.choice(SURNAMES)[0] + self.rng.choice(GIVEN_NAMES)[0]
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number[2] != "0":
                return name, number

    def consultations(self) -> None:
        days = self.working_days()
        recent = set(days[-OPEN_DAYS:])
        later = self.registered_later()
        rows, owed = [], []
        for index in range(CONSULTATIONS + HOTLINE_ORDERS):
            hotline = index >= CONSULTATIONS
            day = self.rng.choice(days)
            occurred = self.moment(day)
            name, phone = self.person()
            topic = self.rng.choice(HOTLINE_TOPICS if hotline else ENQUIRY_TOPICS)
            butler = self.rng.choice(self.butlers)
            company, named = None, ""
            if not hotline and self.rng.random() < 0.08:
                named = self.rng.choice(COMPANY_WORDS)
            candidate = later.get(day)
            if candidate is not None and not hotline and self.rng.random() < 0.5:
                company, named = candidate, candidate.name
            important = hotline or self.rng.random() < IMPORTANT_SHARE
            record = ContactRecord(
                company=company,
                source=ContactRecord.Source.HOTLINE if hotline else ContactRecord.Source.WINDOW,
                work_order=f"NB12345{day:%Y%m%d}{index:05d}" if hotline else "",
                recorded_by=butler,
                channel=ContactRecord.Channel.PHONE
                if hotline or self.rng.random() < 0.55
                else ContactRecord.Channel.VISIT,
                occurred_at=occurred,
                enquirer_name=name,
                enquirer_phone=phone,
                enquirer_company=named,
                enquirer_credit_code=company.credit_code if company else "",
                summary=topic,
                important=important,
            )
            if important:
                due = self.calendar.add(day, 5 if hotline else 2)
                if day in recent or due > self.today and self.rng.random() < 0.5:
                    owed.append(record)
                    continue
                record.return_visit_due = due
                done_day = self.calendar.add(day, self.rng.randint(1, 5 if hotline else 2))
                record.return_visit_done_at = max(self.moment(min(done_day, days[-1])), occurred)
                record.return_visit_outcome = (
                    "已电话答复来电人，对答复表示满意。" if hotline else "已回访，企业按指导准备材料。"
                )
            record._history_date = occurred
            rows.append(record)
        bulk_create_with_history(rows, ContactRecord, batch_size=1000)
        for record in owed:
            self.owed(record)
        self.counts["consultations"] += len(rows) + len(owed)

    def owed(self, record: ContactRecord) -> None:
        """A consultation still owed its answer, recorded through the service so its task is planned."""
        hotline = record.source == ContactRecord.Source.HOTLINE
        self.loader.clock.moment = record.occurred_at
        enquiry_record(
            actor=record.recorded_by,
            enquirer_name=record.enquirer_name,
            enquirer_phone=record.enquirer_phone,
            enquirer_company=record.enquirer_company,
            enquirer_credit_code=record.enquirer_credit_code,
            channel=record.channel,
            summary=record.summary,
            occurred_at=record.occurred_at,
            important=True,
            source=record.source,
            work_order=record.work_order,
            reply_by=self.calendar.add(timezone.localtime(record.occurred_at).date(), 5 if hotline else 2),
        )
        self.loader.clock.moment = None

    def registered_later(self) -> dict[date, Company]:
        """Companies that asked at the window some days before they registered: by the day they asked."""
        asked = {}
        for company in Company.objects.filter(registered_on__gt=self.today - timedelta(days=330)).order_by(
            "pk"
        )[:12]:
            day = company.registered_on - timedelta(days=self.rng.randint(5, 30))
            if self.calendar.is_working_day(day):
                asked[day] = company
        return asked
