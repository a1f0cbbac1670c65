"""The volume drawn in Python before anything is written: the scales (a city, the province or a given number
of companies), the butlers at the counties' windows, and every company with its name, credit code, region,
contacts, portal account, service period, butler and the size of its fleet. ``build_plan`` is pure data from
one seeded generator; ``butler.demo.volume_writer`` writes it.
"""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from butler.demo.data import (
    GIVEN_NAMES,
    MOBILE_PREFIXES,
    PRIMARY_POSITIONS,
    PROFILES,
    SECOND_POSITIONS,
    SURNAMES,
    TRADE_NAMES,
)
from butler.demo.volume_data import (
    BIG_FLEET,
    BUSY_PORTFOLIO,
    CITIES,
    COMPANIES_PER_BUTLER,
    HISTORY_DAYS,
    NINGBO_WEIGHTS,
    PORTAL_SHARE,
    PROFILE_SHARES,
    ROADS,
    SEED,
    SERVICE_DAYS,
    SYLLABLES,
)
from butler.demo.volume_sql import PLATE_CAPACITY
from companies.credit_code import ALPHABET, with_check_character
from companies.models import Company


@dataclass(frozen=True)
class Scale:
    name: str
    companies: int
    butlers: int
    province: bool  # the whole of Zhejiang; else the city of Ningbo


SCALES = {
    "city": Scale("city", 20_000, 40, province=False),
    "province": Scale("province", 300_000, 600, province=True),
}


def custom_scale(companies: int, *, province: bool = False) -> Scale:
    return Scale(
        f"{companies:,} companies",
        companies,
        max(3, round(companies / COMPANIES_PER_BUTLER)),
        province=province,
    )


# The demo's name words of each business profile.
PROFILE_WORDS = {codes: [word for word, _english in words] for codes, _count, words in PROFILES}


@dataclass
class CompanyRow:
    id: int
    name: str
    credit_code: str
    region: str
    letter: str
    address: str
    legal: str
    types: tuple[str, ...]
    registered_on: date
    status: str
    start: date
    active: bool
    established: bool
    butler: int  # index into the butlers
    contact_name: str
    contact_position: str
    contact_mobile: str
    contact_email: str
    reminder_channel: str
    portal: bool
    second: tuple[str, str, str] | None
    vehicles: int = 0
    tankers: int = 0
    vehicle_kind: str = ""
    drivers: int = 0
    escorts: int = 0
    loaders: int = 0
    vessels: int = 0
    plate_base: int = 0
    vessel_base: int = 0
    minute: int = 0


@dataclass
class ButlerRow:
    name: str
    city: int  # index into CITIES
    county: str
    window: int
    phone: str
    mobile: str


@dataclass
class Plan:
    companies: list[CompanyRow]
    butlers: list[ButlerRow]
    cities: list[tuple]


class _Draw:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: set[str] = set()
        self.mobiles = 0
        self.codes = 0
        self.trades = [trade for trade, _pinyin in TRADE_NAMES] + [
            a + b for a in SYLLABLES for b in SYLLABLES if a != b
        ]

    def person(self) -> tuple[str, str]:
        (surname, surname_py), (given, given_py) = self.rng.choice(SURNAMES), self.rng.choice(GIVEN_NAMES)
        return surname + given, surname_py + given_py

    def mobile(self) -> str:
        """Well-formed and unique: the prefixes in turn, the eight digits a permutation of a counter."""
        k = self.mobiles
        self.mobiles += 1
        return (
            MOBILE_PREFIXES[k % len(MOBILE_PREFIXES)]
            + f"{(k // len(MOBILE_PREFIXES) * 48271 + 31_415_926) % 10**8:08d}"
        )

    def credit_code(self, region: str) -> str:
        """Unique: the seven characters after ``MA`` are a permutation of a counter, in base 31."""
        n = (self.codes * 2654435761 + 123_456_789) % 31**7
        self.codes += 1
        body = []
        for _ in range(7):
            n, digit = divmod(n, len(ALPHABET))
            body.append(ALPHABET[digit])
        return with_check_character(f"91{region}MA{''.join(reversed(body))}")

    def company_name(self, city: str, county: str, words: list[str]) -> str:
        short_city, short_county = city.removesuffix("市"), county[:-1] if len(county) > 2 else county
        prefixes = [short_city, short_city + short_county, city + county]
        for attempt in range(40):
            trade = self.rng.choice(self.trades)
            if attempt >= 20:
                trade += self.rng.choice(SYLLABLES)
            name = f"{self.rng.choice(prefixes)}{trade}{self.rng.choice(words)}有限公司"
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError("ran out of company names")  # pragma: no cover - 3,600 trades × prefixes × words


def _weekday(day: date) -> date:
    """The window is open Monday to Friday: a weekend day moves back to the Friday."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def _fleet(rng: random.Random, row: CompanyRow) -> None:
    """Most fleets are small (two to seven vehicles), some middling, a few with hundreds."""
    codes = set(row.types)
    if codes & {"road_freight", "dangerous_goods"}:
        roll = rng.random()
        if roll < 0.0008:
            size = rng.randint(120, 400)
        elif roll < 0.015:
            size = rng.randint(30, 120)
        elif roll < 0.14:
            size = rng.randint(8, 30)
        else:
            size = 2 + int(rng.betavariate(1, 3) * 6)
        row.vehicles, row.vehicle_kind = size, "truck"
        if "dangerous_goods" in codes:
            row.tankers = size if "road_freight" not in codes else max(1, round(size * rng.uniform(0.3, 0.6)))
            row.escorts = max(1, round(row.tankers * rng.uniform(0.5, 1.0)))
            row.loaders = 1 if size < 10 else rng.randint(2, 3)
        row.drivers = max(1, round(size * (rng.uniform(0.75, 1.0) if size <= 8 else rng.uniform(0.65, 0.85))))
    elif "passenger" in codes:
        size = rng.randint(20, 60) if rng.random() < 0.05 else int(rng.triangular(3, 13, 4))
        row.vehicles, row.vehicle_kind, row.drivers = size, "bus", size + rng.randint(0, 2)
    elif "driver_training" in codes and rng.random() < 0.85:
        row.vehicles, row.vehicle_kind = rng.randint(3, 10), "training"
    if "waterway" in codes:
        row.vessels = rng.choices([1, 2, 3], weights=[5, 3, 2])[0]


def build_plan(scale: Scale, *, today: date, seed: int = SEED) -> Plan:
    """Draw every company, butler and what each company runs; pure data."""
    rng = random.Random(seed)
    draw = _Draw(rng)
    cities = CITIES if scale.province else CITIES[:1]
    city_weights = [city[3] for city in cities]
    profiles = list(PROFILE_SHARES)
    profile_weights = list(PROFILE_SHARES.values())

    # Butlers: each city's share of the province's (the first, the busiest, in Ningbo's Beilun window),
    # at the windows of the city's counties in turn.
    shares = [scale.butlers * weight / sum(city_weights) for weight in city_weights]
    quotas = [int(share) for share in shares]
    for city in sorted(range(len(cities)), key=lambda c: quotas[c] - shares[c])[
        : scale.butlers - sum(quotas)
    ]:
        quotas[city] += 1
    if not quotas[0]:
        quotas[0], quotas[quotas.index(max(quotas))] = 1, max(quotas) - 1
    butlers: list[ButlerRow] = []
    for city, quota in enumerate(quotas):
        counties = cities[city][4]
        for window in range(1, quota + 1):
            butlers.append(
                ButlerRow(
                    name="王丽娜" if not butlers else draw.person()[0],
                    city=city,
                    county=counties[(window - 1) % len(counties)][1],
                    window=window,
                    phone=f"{cities[city][2]}-8686{1000 + window:04d}",
                    mobile=draw.mobile(),
                )
            )
    by_city = {city: [n for n, b in enumerate(butlers) if b.city == city] for city in range(len(cities))}
    for city, members in by_city.items():
        if not members:  # a small custom scale: the city's companies go to the Ningbo butlers
            by_city[city] = by_city[0]
    # Everyone but the busiest butler takes the companies of their city in turn.
    others = {city: [n for n in members if n != 0] or members for city, members in by_city.items()}

    companies: list[CompanyRow] = []
    busy_left = BUSY_PORTFOLIO
    turn = Counter()
    for number in range(1, scale.companies + 1):
        city_index = rng.choices(range(len(cities)), weights=city_weights)[0]
        city, letter, _area, _weight, counties = cities[city_index]
        region, county = (
            rng.choices(counties, weights=NINGBO_WEIGHTS)[0] if city_index == 0 else rng.choice(counties)
        )
        types = rng.choices(profiles, weights=profile_weights)[0]
        ago = rng.randrange(HISTORY_DAYS)
        if number == 1:  # the big carrier: in service with the busiest butler
            types, city_index, region, county, letter, city, ago = (
                ("road_freight", "dangerous_goods"), 0, "330206", "北仑区", "B", "宁波市", 40,
            )  # fmt: skip
        start = _weekday(today - timedelta(days=ago))
        active = start + timedelta(days=SERVICE_DAYS) > today
        established = rng.random() < 0.3
        registered = start - timedelta(days=rng.randint(365, 3650) if established else rng.randint(0, 30))
        if active and busy_left and city_index == 0 and (number == 1 or rng.random() < 0.5):
            butler, busy_left = 0, busy_left - 1
        else:
            butler = others[city_index][turn[city_index] % len(others[city_index])]
            turn[city_index] += 1
        status = Company.Status.OPERATING
        if types == ("dangerous_goods",) and active and not established and rng.random() < 0.3:
            status = Company.Status.PREPARING
        elif not active and rng.random() < 0.01:
            status = Company.Status.SUSPENDED
        legal, _legal_py = draw.person()
        if rng.random() < 0.25:
            contact, contact_py, position = legal, _legal_py, rng.choice(["总经理", "负责人"])
        else:
            (contact, contact_py), position = draw.person(), rng.choice(PRIMARY_POSITIONS)
        email = f"{contact_py}{number}@qiye.example" if rng.random() < 0.5 else ""
        channel = rng.choices(["sms", "email", "in_app"], weights=[6, 3, 1])[0] if email else "sms"
        second = None
        if rng.random() < 0.2:
            second = (draw.person()[0], rng.choice(SECOND_POSITIONS), draw.mobile())
        row = CompanyRow(
            id=number,
            name=draw.company_name(city, county, PROFILE_WORDS[types]),
            credit_code=draw.credit_code(region),
            region=region,
            letter=letter,
            address=f"{city}{county}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
            legal=legal,
            types=types,
            registered_on=registered,
            status=status,
            start=start,
            active=active,
            established=established,
            butler=butler,
            contact_name=contact,
            contact_position=position,
            contact_mobile=draw.mobile(),
            contact_email=email,
            reminder_channel=channel,
            portal=number == 1 or rng.random() < PORTAL_SHARE,
            second=second,
            minute=rng.randint(9 * 60, 16 * 60 + 30),
        )
        if number == 1:
            row.vehicles, row.tankers, row.drivers, row.escorts, row.loaders = BIG_FLEET
            row.vehicle_kind = "truck"
        else:
            _fleet(rng, row)
        companies.append(row)
    # Plates are numbered per city letter, vessels across the province.
    plates, vessels = Counter(), 0
    for row in companies:
        row.plate_base, row.vessel_base = plates[row.letter], vessels
        plates[row.letter] += row.vehicles
        vessels += row.vessels
    if max(plates.values(), default=0) > PLATE_CAPACITY:
        raise ValueError(f"more than {PLATE_CAPACITY:,} vehicles under one plate letter")
    return Plan(companies=companies, butlers=butlers, cities=cities)
