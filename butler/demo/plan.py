"""The demo district drawn as data, before anything is written: which companies register when, with which
contacts, business and fleet; which butler visits each first; the transfers, early ends and suspensions; and
the story of each company's own licence (held already, renewal due, lapsed, waiting for materials, overdue,
an oversize permit). ``build_plan`` takes the seeded generator and counts days back from today, so the plan
does not depend on the day it is drawn; ``butler.demo.loader`` writes it through the services.
"""

import random
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from butler.demo.data import (
    ADDRESS_AREAS,
    BUTLER5_JOINED_AGO,
    COMPANY_COUNT,
    FILING_ONLY,
    GIVEN_NAMES,
    LARGE_FLEETS,
    MASSES,
    MIDDLE_FLEETS,
    MOBILE_PREFIXES,
    NAME_PREFIXES,
    PLATE_LETTERS,
    PRIMARY_POSITIONS,
    PROFILES,
    REASON_DEREGISTERED,
    REASON_LEAVE,
    REASON_LEFT_DISTRICT,
    REASON_MOVED,
    REASON_NEWCOMER,
    REASON_ROTATION,
    SECOND_POSITIONS,
    SHARES_AFTER,
    SHARES_BEFORE,
    STAFF,
    SURNAMES,
    TRADE_NAMES,
    TRAILERS,
    VESSEL_NAMES,
    WITHOUT_BUTLER,
)
from companies.credit_code import ALPHABET, with_check_character
from companies.models import Company, District, PersonRole
from companies.phones import validate_mobile


@dataclass
class PersonPlan:
    name: str
    position: str
    mobile: str
    email: str = ""


@dataclass
class ChangePlan:
    """Something a manager or butler does to a company's service on a day (days before today)."""

    ago: int
    minute: int
    reason: str = ""
    to_butler: int = 0  # index into STAFF, for transfers
    address: str = ""  # the new address, when the company moved


@dataclass
class VehiclePlan:
    plate: str
    kind: str  # a key of MASSES
    total_mass_kg: int


@dataclass
class WorkerPlan:
    name: str
    role: str
    mobile: str


@dataclass
class VesselPlan:
    name: str
    registration_number: str


@dataclass
class CompanyPlan:
    number: int
    name: str
    credit_code: str
    district: str
    address: str
    street: str
    legal_representative: str
    type_codes: tuple[str, ...]
    status: str
    registered_ago: int
    waiting: bool  # registered, but not yet at the window: no butler
    registered_minute: int
    primary: PersonPlan
    second: PersonPlan | None = None
    butler: int | None = None  # index into STAFF of the first-visit butler; None: no visit yet
    visit_ago: int = 0
    visit_minute: int = 0
    account_delay_minutes: int = 0
    transfer: ChangePlan | None = None
    end_early: ChangePlan | None = None
    suspend: ChangePlan | None = None
    vehicles: list[VehiclePlan] = field(default_factory=list)
    workers: list[WorkerPlan] = field(default_factory=list)
    vessels: list[VesselPlan] = field(default_factory=list)
    established: bool = False  # held its licences before it came to the window
    # The story of its company licence: "renewal_due", "renewal_applied", "lapsed", "materials_pending"
    # or "overdue"; empty: an ordinary one.
    licence_special: str = ""
    oversize_ago: int = 0  # days before today of an oversize per-trip permit; 0: none
    oversize_minute: int = 0


@dataclass
class Plan:
    butler_mobiles: list[str]
    companies: list[CompanyPlan]


class _Draw:
    """The seeded generator with the demo's vocabulary; keeps names, codes and mobiles unique."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.mobiles: set[str] = set()
        self.codes: set[str] = set()
        self.names: set[str] = set()
        self.domains: set[str] = set()
        self.plates: set[str] = set()
        self.vessel_names: set[str] = set()

    def person(self) -> tuple[str, str]:
        (surname, surname_py), (given, given_py) = self.rng.choice(SURNAMES), self.rng.choice(GIVEN_NAMES)
        return surname + given, surname_py + given_py

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.mobiles and _is_mobile(number):
                self.mobiles.add(number)
                return number

    def credit_code(self, region: str) -> str:
        while True:
            body = "".join(self.rng.choice(ALPHABET) for _ in range(7))
            code = with_check_character(f"91{region}MA{body}")
            if code not in self.codes:
                self.codes.add(code)
                return code

    def office_minute(self) -> int:
        """A minute of the day inside the window's opening hours, lunch break left out."""
        morning, afternoon = (
            self.rng.randint(9 * 60, 11 * 60 + 45),
            self.rng.randint(13 * 60 + 45, 16 * 60 + 30),
        )
        return self.rng.choice([morning, afternoon])

    def district(self) -> str:
        roll = self.rng.random()
        return District.ZHENHAI if roll < 0.06 else District.YINZHOU if roll < 0.1 else District.BEILUN

    def address(self, district: str, street: str | None = None) -> tuple[str, str]:
        city, streets = ADDRESS_AREAS[district]
        street = street or self.rng.choice(sorted(streets))
        road = self.rng.choice(streets[street])
        address = f"{city}{street}{road}{self.rng.randint(1, 999)}号"
        if self.rng.random() < 0.3:
            address += f"{self.rng.randint(1, 12)}幢{self.rng.randint(1, 6)}{self.rng.randint(1, 20):02d}室"
        return address, street

    def company_name(self, district: str, words: list[tuple[str, str]]) -> tuple[str, str]:
        """A unique company name and an e-mail domain that goes with it."""
        while True:
            trade, trade_py = self.rng.choice(TRADE_NAMES)
            word, word_en = self.rng.choice(words)
            name = f"{self.rng.choice(NAME_PREFIXES[district])}{trade}{word}有限公司"
            if name in self.names:
                continue
            self.names.add(name)
            domain, n = f"{trade_py}-{word_en}.example", 1
            while domain in self.domains:
                n += 1
                domain = f"{trade_py}-{word_en}{n}.example"
            self.domains.add(domain)
            return name, domain

    def plate(self, trailer: bool = False) -> str:
        """A Ningbo plate: 浙B and five characters, mostly digits (a trailer: four and 挂)."""
        while True:
            body = "".join(
                self.rng.choice(PLATE_LETTERS) if self.rng.random() < 0.12 else str(self.rng.randrange(10))
                for _ in range(4 if trailer else 5)
            )
            plate = f"浙B{body}挂" if trailer else f"浙B{body}"
            if plate not in self.plates:
                self.plates.add(plate)
                return plate

    def vessel(self) -> VesselPlan:
        while True:
            name = f"{self.rng.choice(VESSEL_NAMES)}{self.rng.randint(6, 99)}"
            if name not in self.vessel_names:
                self.vessel_names.add(name)
                return VesselPlan(name, f"330206{self.rng.randint(100, 2999):06d}")


def _is_mobile(number: str) -> bool:
    try:
        validate_mobile(number)
    except ValidationError:
        return False
    return True


def build_plan(rng: random.Random) -> Plan:
    """Draw the whole demo as data. Days are counted back from today, so the plan does not depend on it."""
    draw = _Draw(rng)
    butler_mobiles = [draw.mobile() for _ in STAFF]
    profiles = [(codes, words) for codes, count, words in PROFILES for _ in range(count)]
    rng.shuffle(profiles)
    registered = _registration_days(rng)
    companies = [
        _company_plan(draw, number, ago, waiting, codes, words)
        for number, ((ago, waiting), (codes, words)) in enumerate(
            zip(registered, profiles, strict=True), start=1
        )
    ]
    _plan_visits(draw, companies)
    _plan_changes(draw, companies)
    _plan_fleets(draw, companies)
    _plan_licence_stories(draw, companies)
    return Plan(butler_mobiles=butler_mobiles, companies=companies)


def _registration_days(rng: random.Random) -> list[tuple[int, bool]]:
    """Days before today, oldest first, each with whether the company is still waiting for its first visit.

    Spread over 18 months and busier lately, as the service got known.
    """
    served = COMPANY_COUNT - WITHOUT_BUTLER
    days = [(5 + int(535 * ((i + rng.random()) / served) ** 1.2), False) for i in range(served)]
    days += [(ago, True) for ago in rng.sample(range(1, 21), WITHOUT_BUTLER)]
    return sorted(days, key=lambda day: -day[0])


def _company_plan(
    draw: _Draw, number: int, ago: int, waiting: bool, codes: tuple[str, ...], words: list[tuple[str, str]]
) -> CompanyPlan:
    rng = draw.rng
    district = draw.district()
    name, domain = draw.company_name(district, words)
    address, street = draw.address(district)
    legal, legal_py = draw.person()
    if rng.random() < 0.25:
        primary = PersonPlan(legal, rng.choice(["总经理", "负责人"]), draw.mobile())
        primary_py = legal_py
    else:
        contact_name, primary_py = draw.person()
        primary = PersonPlan(contact_name, rng.choice(PRIMARY_POSITIONS), draw.mobile())
    if rng.random() < 0.5:
        primary.email = f"{primary_py}@{domain}"
    second = None
    if rng.random() < 0.3:
        second_name, second_py = draw.person()
        second = PersonPlan(second_name, rng.choice(SECOND_POSITIONS), draw.mobile())
        if rng.random() < 0.5 and second_py != primary_py:
            second.email = f"{second_py}@{domain}"
    status = Company.Status.OPERATING
    if codes == ("dangerous_goods",) and ago <= 60:
        status = Company.Status.PREPARING  # a new dangerous-goods carrier still assembling vehicles and staff
    return CompanyPlan(
        number=number,
        name=name,
        credit_code=draw.credit_code(district.value),
        district=district.value,
        address=address,
        street=street,
        legal_representative=legal,
        type_codes=codes,
        status=status,
        registered_ago=ago,
        waiting=waiting,
        registered_minute=draw.office_minute(),
        primary=primary,
        second=second,
    )


def _plan_visits(draw: _Draw, companies: list[CompanyPlan]) -> None:
    """The first visit a few days after registration, by whichever butler is at the counter.

    Mostly the butlers take turns in proportion to their shares (a smooth weighted round robin);
    now and then chance decides, so the portfolios differ without drifting far apart.
    """
    rng = draw.rng
    credit = [0] * len(STAFF)
    for company in sorted((c for c in companies if not c.waiting), key=lambda c: -c.registered_ago):
        company.visit_ago = max(company.registered_ago - rng.randint(0, 10), 1)
        shares = SHARES_AFTER if company.visit_ago <= BUTLER5_JOINED_AGO - 5 else SHARES_BEFORE
        credit = [have + share for have, share in zip(credit, shares, strict=True)]
        turn = max(range(len(STAFF)), key=lambda i: (credit[i], -i) if shares[i] else (-1000, 0))
        if rng.random() < 0.25:
            turn = rng.choices(range(len(STAFF)), weights=shares)[0]
        credit[turn] -= sum(shares)
        company.butler = turn
        company.visit_minute = draw.office_minute()
        company.account_delay_minutes = rng.randint(20, 30 * 60)


def _plan_changes(draw: _Draw, companies: list[CompanyPlan]) -> None:
    """Four transfers, two early ends and two suspensions, on companies that fit the story."""
    rng = draw.rng
    visited = [c for c in companies if c.butler is not None]
    taken: set[int] = set()

    def pick(condition) -> CompanyPlan:
        candidates = [c for c in visited if c.number not in taken and condition(c)]
        chosen = rng.choice(candidates)
        taken.add(chosen.number)
        return chosen

    def transfer(company: CompanyPlan, ago: int, reason: str, to_butler: int | None = None) -> ChangePlan:
        on_duty = [i for i, staff in enumerate(STAFF) if staff[4] > ago + 5 and i != company.butler]
        to_butler = rng.choice(on_duty) if to_butler is None else to_butler
        company.transfer = ChangePlan(ago, draw.office_minute(), reason, to_butler)
        return company.transfer

    rotated = pick(lambda c: 250 <= c.visit_ago <= 420 and c.butler in (1, 3))
    transfer(rotated, rotated.visit_ago - rng.randint(40, 110), REASON_ROTATION)
    moved = pick(
        lambda c: 60 <= c.visit_ago <= 150 and c.district == District.BEILUN and c.street != "小港街道"
    )
    transfer(moved, moved.visit_ago - rng.randint(20, 50), REASON_MOVED).address = draw.address(
        District.BEILUN, "小港街道"
    )[0]
    on_leave = pick(lambda c: 190 <= c.visit_ago <= 330 and c.butler in (0, 2))
    transfer(on_leave, on_leave.visit_ago - rng.randint(30, 90), REASON_LEAVE)
    handed = pick(lambda c: 140 <= c.visit_ago <= 175 and c.butler != 4)
    newest = len(STAFF) - 1
    transfer(
        handed, rng.randint(60, min(handed.visit_ago - 20, BUTLER5_JOINED_AGO - 10)), REASON_NEWCOMER, newest
    )

    closed = pick(lambda c: 220 <= c.visit_ago <= 400)
    closed.end_early = ChangePlan(
        closed.visit_ago - rng.randint(60, 150), draw.office_minute(), REASON_DEREGISTERED
    )
    left = pick(lambda c: 70 <= c.visit_ago <= 130)
    left.end_early = ChangePlan(
        left.visit_ago - rng.randint(25, 50), draw.office_minute(), REASON_LEFT_DISTRICT
    )

    for _ in range(2):
        idle = pick(lambda c: c.visit_ago >= 260)
        idle.suspend = ChangePlan(rng.randint(10, idle.visit_ago - 190), draw.office_minute())


def _plan_fleets(draw: _Draw, companies: list[CompanyPlan]) -> None:
    """Vehicles, people and vessels that fit each company's business."""
    rng = draw.rng
    carriers = [
        c.number
        for c in companies
        if set(c.type_codes) & {"road_freight", "dangerous_goods"} and c.status != Company.Status.PREPARING
    ]
    large = rng.sample(carriers, LARGE_FLEETS + MIDDLE_FLEETS)
    sizes = {number: int(rng.triangular(20, 41, 22)) for number in large[:LARGE_FLEETS]}
    sizes |= {number: rng.randint(9, 19) for number in large[LARGE_FLEETS:]}
    for company in companies:
        codes = set(company.type_codes)
        kinds: list[str] = []
        if codes & {"road_freight", "dangerous_goods"}:
            # Mostly small fleets of two to eight, weighted towards two or three vehicles.
            size = sizes.get(company.number) or 2 + int(rng.betavariate(1, 3) * 7)
            kinds = _freight_fleet(rng, company, codes, size)
        elif "passenger" in codes:
            kinds = ["bus"] * int(rng.triangular(3, 13, 4))
        elif "driver_training" in codes and rng.random() < 0.85:
            kinds = ["training"] * rng.randint(3, 10)
        company.vehicles = [
            VehiclePlan(draw.plate(trailer=kind in TRAILERS), kind, rng.choice(MASSES[kind]))
            for kind in kinds
        ]
        powered = [kind for kind in kinds if kind not in TRAILERS and kind != "training"]
        duties: list[str] = []
        if powered:
            # About one driver per vehicle (the owner drives one of them), fewer for a large fleet.
            share = rng.uniform(0.75, 1.0) if len(powered) <= 8 else rng.uniform(0.65, 0.85)
            drivers = max(1, round(len(powered) * share))
            if "passenger" in codes:
                drivers += rng.randint(0, 2)  # spare drivers for the coaches
            duties = [PersonRole.DRIVER] * drivers
        if "dangerous_goods" in codes:
            tankers = sum(1 for kind in kinds if kind in ("tank_truck", "tractor"))
            duties += [PersonRole.ESCORT] * max(1, round(tankers * rng.uniform(0.5, 1.0)))
            duties += [PersonRole.LOADER] * (1 if len(kinds) < 10 else rng.randint(2, 3))
        company.workers = [
            WorkerPlan(draw.person()[0], role, draw.mobile() if rng.random() < 0.85 else "")
            for role in duties
        ]
        if "waterway" in codes:
            company.vessels = [draw.vessel() for _ in range(rng.choices([1, 2, 3], weights=[5, 3, 2])[0])]


def _freight_fleet(rng: random.Random, company: CompanyPlan, codes: set[str], size: int) -> list[str]:
    """Kinds of vehicle: tankers for dangerous goods, tractors and trailers for containers, light vans."""
    if company.status == Company.Status.PREPARING:
        size = rng.randint(2, 4)  # still assembling the five special vehicles the licence asks for
    dangerous = 0
    if "dangerous_goods" in codes:
        dangerous = size if "road_freight" not in codes else max(1, round(size * rng.uniform(0.3, 0.6)))
    kinds = []
    if dangerous:
        pairs = dangerous // 3 if dangerous >= 6 and rng.random() < 0.5 else 0
        kinds += ["tank_truck"] * (dangerous - 2 * pairs) + ["tractor", "tank_trailer"] * pairs
    ordinary = size - dangerous
    if ordinary:
        vans = 0
        if "dangerous_goods" not in codes and ordinary >= 2 and rng.random() < 0.35:
            vans = min(rng.randint(1, 2), ordinary - 1)
        heavy = ordinary - vans
        if "集装箱" in company.name:
            tractors, trailers = (heavy + 1) // 2, heavy // 2
        elif heavy >= 4 and rng.random() < 0.35:
            tractors = trailers = heavy // 4
        else:
            tractors = trailers = 0
        kinds += ["truck"] * (heavy - tractors - trailers) + ["tractor"] * tractors + ["trailer"] * trailers
        kinds += ["van"] * vans
    return kinds


def _plan_licence_stories(draw: _Draw, companies: list[CompanyPlan]) -> None:
    """Which companies held their licences already, whose renewal is due now, which one lapsed, whose
    application waits for materials or is overdue, and who needed an oversize permit."""
    rng = draw.rng
    visited = [c for c in companies if c.butler is not None]
    for company in visited:
        company.established = company.registered_ago > 60 and rng.random() < 0.3

    def expiring(c: CompanyPlan) -> bool:
        return c.type_codes not in FILING_ONLY

    # The lapse the service exists to prevent: a company idle for months let its licence run out.
    lapsed = [c for c in visited if c.suspend and expiring(c)] or [
        c for c in visited if c.visit_ago >= 260 and expiring(c) and not (c.end_early or c.transfer)
    ]
    chosen = rng.choice(lapsed)
    chosen.licence_special, chosen.established = "lapsed", True
    renewing = [
        c
        for c in visited
        if c.visit_ago >= 120 and expiring(c) and not (c.end_early or c.suspend or c.licence_special)
    ]
    for company, special in zip(
        rng.sample(renewing, 4), ["renewal_due", "renewal_due", "renewal_due", "renewal_applied"], strict=True
    ):
        company.licence_special, company.established = special, True
    # Recent applications: some still waiting for materials, a few past the window's committed date.
    for special, (least, most), count in (("materials_pending", (10, 45), 4), ("overdue", (35, 90), 3)):
        recent = [
            c
            for c in visited
            if least <= c.visit_ago <= most
            and expiring(c)
            and not (c.end_early or c.transfer or c.suspend or c.licence_special)
        ]
        for company in rng.sample(recent, min(count, len(recent))):
            company.licence_special, company.established = special, False
    heavy_haulers = [
        c
        for c in visited
        if c.visit_ago >= 90 and not c.end_early and any(v.kind == "tractor" for v in c.vehicles)
    ]
    for company in rng.sample(heavy_haulers, 2):
        company.oversize_ago = rng.randint(5, company.visit_ago - 60)
        company.oversize_minute = draw.office_minute()
