"""A small, hand-counted world for the reform's figures (最多跑一次), seen on Friday 20 November 2026.

Companies of the district (330206) besides the world's A and B (both registered 2026-10-01, butlers since
11-02):
  R1 registered 11-03, reached by butler A (first visit 11-04);
  R2 registered 11-10, reached by butler B (first visit 11-12);
  R3 registered 11-16, not reached;
  R5 registered 2026-10-20 (before November), not reached;
  R6 registered 2025-06-01 (the year before), not reached;
and R4 of Yinzhou (330212), registered 11-05 and reached by butler A, outside the district.

Applications (matters filed): A 11-03 at the window, A 11-05 online, B 11-10 by mobile, R1 11-12 by post,
B 2026-10-20 online.

Decisions (accepted → decided): A 11-04 09:00 → 09:40 (on the spot, 40 min); B 11-05 10:00 → 10:20 (20);
R1 11-06 14:00 → 15:30 (90); R2 11-09 09:00 → 11-12 11:00 (not on the spot); R3 10-28 09:00 → 09:30 (on
the spot, 30, in October); R4 accepted and decided 11-10 but recorded afterwards, without the times (not a
decision the figures can time). Each is issued the day it is decided, with no trip recorded.

Committed limits: road freight licence 20 → 5 working days, dangerous goods licence 20 → 10, the vehicle
certificate statutory 10 with no committed limit (left out), every other item without limits: 40 → 15.

Materials: the baseline is 2026-11-03 (BUTLER_REFORM_BASELINE); one material of the road freight licence is
removed on 11-10 and two others of it are obtained by data sharing.

Consultations:
  C1 11-03 contact with A (butler A), not important;
  C2 11-04 consultation without a company (butler A), return visit due 11-09, made 11-09;
  C3 11-06 consultation without a company (butler B), due 11-10, not made;
  C4 11-18 12345 work order naming B's code (manager): linked to B, reply due 11-25 (not yet due);
  C5 2026-10-28 consultation without a company (butler B), due 10-29, not made (October);
  C6 11-12 contact with B (butler B), important, no return visit;
  C7 11-19 12345 work order without a company (manager), reply due 11-20 (today), not made.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from butler.contactlog.models import ContactRecord
from butler.contactlog.services import contact_record, enquiry_record, return_visit_complete
from butler.firstvisit.services import first_visit_accept
from butler.models import ServicePeriod
from companies.models import Application, BusinessType, Company, CompanyLicence, LicenceMaterial, LicenceType
from companies.services import company_register
from tests.conftest import registration
from tests.factories import credit_code

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 20)
BASELINE = date(2026, 11, 3)


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class ReformScene:
    world: object
    companies: dict[str, Company]
    applications: dict[str, Application]
    decisions: dict[str, CompanyLicence]
    consultations: dict[str, ContactRecord]
    materials: int  # the catalogue's materials on the baseline day


def _register(manager, n: int, registered_on: date, district: str = "330206") -> Company:
    return company_register(
        actor=manager, registration=registration(n, registered_on=registered_on, district=district)
    ).company


def _decide(licence: CompanyLicence, accepted: datetime, decided: datetime, *, timed: bool = True):
    CompanyLicence.objects.filter(pk=licence.pk).update(
        status="issued",
        issued_on=decided.date(),
        accepted_on=accepted.date(),
        accepted_at=accepted if timed else None,
        decided_on=decided.date(),
        decided_at=decided if timed else None,
    )
    return licence


def build_reform_scene(world) -> ReformScene:
    """Build the scene (the clock must stand on or after 20 November 2026)."""
    w = world
    a_staff, b_staff, manager = w.butler_a.user, w.butler_b.user, w.manager

    # Companies.
    companies = {
        "R1": _register(manager, 31, date(2026, 11, 3)),
        "R2": _register(manager, 32, date(2026, 11, 10)),
        "R3": _register(manager, 33, date(2026, 11, 16)),
        "R4": _register(manager, 34, date(2026, 11, 5), district="330212"),
        "R5": _register(manager, 35, date(2026, 10, 20)),
        "R6": _register(manager, 36, date(2025, 6, 1)),
    }
    first_visit_accept(actor=a_staff, company_id=companies["R1"].pk, today=date(2026, 11, 4))
    first_visit_accept(actor=b_staff, company_id=companies["R2"].pk, today=date(2026, 11, 12))
    first_visit_accept(actor=a_staff, company_id=companies["R4"].pk, today=date(2026, 11, 6))

    # Applications.
    applications = {
        name: Application.objects.create(company=company, filed_on=day, channel=channel)
        for name, company, day, channel in [
            ("A window", w.company_a, date(2026, 11, 3), "window"),
            ("A online", w.company_a, date(2026, 11, 5), "online"),
            ("B mobile", w.company_b, date(2026, 11, 10), "mobile"),
            ("R1 post", companies["R1"], date(2026, 11, 12), "post"),
            ("B october", w.company_b, date(2026, 10, 20), "online"),
        ]
    }

    # Decisions.
    def licence_of(company):
        return CompanyLicence.objects.get(company=company, licence_type__code="road_freight_licence")

    decisions = {
        "A": _decide(licence_of(w.company_a), at(11, 4, 9), at(11, 4, 9, 40)),
        "B": _decide(licence_of(w.company_b), at(11, 5, 10), at(11, 5, 10, 20)),
        "R1": _decide(licence_of(companies["R1"]), at(11, 6, 14), at(11, 6, 15, 30)),
        "R2": _decide(licence_of(companies["R2"]), at(11, 9, 9), at(11, 12, 11)),
        "R3": _decide(licence_of(companies["R3"]), at(10, 28, 9), at(10, 28, 9, 30)),
        "R4": _decide(licence_of(companies["R4"]), at(11, 10, 9), at(11, 10, 9), timed=False),
    }

    # The catalogue's limits.
    LicenceType.objects.update(statutory_limit_days=None, committed_limit_days=None)
    LicenceType.objects.filter(code="road_freight_licence").update(
        statutory_limit_days=20, committed_limit_days=5
    )
    LicenceType.objects.filter(code="dangerous_goods_licence").update(
        statutory_limit_days=20, committed_limit_days=10
    )
    LicenceType.objects.filter(code="vehicle_certificate").update(statutory_limit_days=10)

    # Materials: counted on the baseline day, then one removed and two obtained by data sharing.
    materials = LicenceMaterial.objects.count()
    removed, *shared = LicenceMaterial.objects.filter(licence_type__code="road_freight_licence").order_by(
        "pk"
    )[:3]
    with time_machine.travel(at(11, 10, 16)):
        removed.delete()
    LicenceMaterial.objects.filter(pk__in=[m.pk for m in shared]).update(by_data_sharing=True)

    # Consultations.
    person = {"enquirer_phone": "", "channel": "phone", "summary": "咨询"}
    c = {
        "C1": contact_record(
            actor=a_staff, company=w.company_a, channel="phone", summary="年审咨询", occurred_at=at(11, 3)
        ),
        "C2": enquiry_record(
            actor=a_staff, enquirer_name="陈先生", occurred_at=at(11, 4), return_visit_in=3, **person
        ),
        "C3": enquiry_record(
            actor=b_staff, enquirer_name="周先生", occurred_at=at(11, 6), return_visit_in=2, **person
        ),
        "C4": enquiry_record(
            actor=manager,
            enquirer_name="吴女士",
            enquirer_credit_code=w.company_b.credit_code,
            source="hotline",
            work_order="GD20261118001",
            occurred_at=at(11, 18, 9),
            reply_by=date(2026, 11, 25),
            **person,
        ),
        "C5": enquiry_record(
            actor=b_staff, enquirer_name="郑先生", occurred_at=at(10, 28), return_visit_in=1, **person
        ),
        "C6": contact_record(
            actor=b_staff,
            company=w.company_b,
            channel="visit",
            summary="投诉",
            occurred_at=at(11, 12),
            important=True,
        ),
        "C7": enquiry_record(
            actor=manager,
            enquirer_name="钱女士",
            source="hotline",
            work_order="GD20261119002",
            occurred_at=at(11, 19, 9),
            reply_by=date(2026, 11, 20),
            **person,
        ),
    }
    return_visit_complete(actor=a_staff, record=c["C2"], outcome="已答复", done_at=at(11, 9, 15))
    return ReformScene(w, companies, applications, decisions, c, materials)


def bulk_reform(world, n: int, *, start: int = 0) -> None:
    """``n`` more rows behind every reform figure of November 2026 (numbered from ``start``): road freight
    companies of the district registered in the month (every other one reached by a butler), each with an
    application (the four channels in turn), a decision (every other one on the spot) and a consultation
    without a company (every other one important with its return visit due, every fourth visited, every
    third a 12345 work order); and a material of the catalogue obtained by data sharing (the materials
    figure's list)."""
    LicenceMaterial.objects.filter(pk=LicenceMaterial.objects.order_by("pk")[0].pk).update(
        by_data_sharing=True
    )
    numbers = range(start, start + n)
    day = {k: date(2026, 11, 1 + k % 15) for k in numbers}
    companies = Company.objects.bulk_create(
        Company(
            name=f"宁波北仑新办{k}物流有限公司",
            credit_code=credit_code(800_000 + k),
            registered_on=day[k],
            address="宁波市北仑区",
            legal_representative="张三",
        )
        for k in numbers
    )
    freight = BusinessType.objects.get(code="road_freight")
    Company.business_types.through.objects.bulk_create(
        Company.business_types.through(company_id=company.pk, businesstype_id=freight.pk)
        for company in companies
    )
    butlers = [world.butler_a, world.butler_b]
    ServicePeriod.objects.bulk_create(
        ServicePeriod(
            company=company,
            butler=butlers[k % 4 // 2],
            start_date=day[k],
            end_date=date(2027, 5, 1),
            card_number=f"REFORM-{k:06d}",
        )
        for k, company in zip(numbers, companies, strict=True)
        if k % 2 == 0
    )
    channels = ["window", "online", "mobile", "post"]
    Application.objects.bulk_create(
        Application(company=company, filed_on=day[k], channel=channels[k % 4])
        for k, company in zip(numbers, companies, strict=True)
    )
    licence_type = LicenceType.objects.get(code="road_freight_licence")
    CompanyLicence.objects.bulk_create(
        CompanyLicence(
            company=company,
            licence_type=licence_type,
            subject_key="company",
            status="issued",
            accepted_on=day[k],
            accepted_at=at(11, day[k].day, 9),
            decided_on=day[k] if k % 2 == 0 else date(2026, 11, 16 + k % 10),
            decided_at=at(11, day[k].day if k % 2 == 0 else 16 + k % 10, 9, 10 + k % 50),
        )
        for k, company in zip(numbers, companies, strict=True)
    )
    ContactRecord.objects.bulk_create(
        ContactRecord(
            source="hotline" if k % 3 == 0 else "window",
            work_order=f"GD-BULK-{k:06d}" if k % 3 == 0 else "",
            enquirer_name=f"咨询人{k}",
            recorded_by=world.butler_a.user,
            channel="phone",
            summary="咨询",
            occurred_at=at(11, day[k].day, 11),
            important=k % 2 == 0,
            return_visit_due=date(2026, 11, 2 + k % 15) if k % 2 == 0 else None,
            return_visit_done_at=at(11, 17) if k % 4 == 0 else None,
        )
        for k in numbers
    )
