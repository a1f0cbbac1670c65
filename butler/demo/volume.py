"""A city or a province of data in minutes: the volume generator behind ``manage.py seed_volume``.

The demo (``butler.demo.world``) tells one
district's story through the product's services, a few thousand rows
in a couple of minutes. A city (20,000 companies, 200,000 licences) or the province (300,000 companies,
3,000,000 licences) cannot be loaded that way, so this module writes the rows directly, on PostgreSQL only:

- what depends on each company (its name, credit code with a valid check character, Zhejiang region code,
  contacts with well-formed mobiles, portal accounts, business types, service period and card number, the
  size of its fleet) is drawn in Python from one seeded ``random.Random`` and sent with ``COPY``;
- what follows from that (vehicles with 浙B plates, 浙A–浙L across the province, drivers, vessels,
  licences with their statuses and
  dates, the reminders of those dates, the contact log, ratings and their audit cases, suggestions,
  message threads) is written by set-based ``INSERT … SELECT`` statements, ``generate_series`` and a
  hash of each row's key standing in for chance, so a run is deterministic.

Company 1 is a carrier with 300 vehicles (565 licences) in the portfolio of ``butler1``, the busiest
butler (300 companies in service at city and province scale, the others about 165 each); every account's
password is the demo's.

Everything happens in one transaction on an empty database (a company already there: nothing is written),
with foreign-key triggers off (``session_replication_role = replica``; the rows are consistent by
construction, the check constraints still hold them) and the secondary indexes of the largest tables
rebuilt once at the end rather than row by row. Every table's id sequence is set past the rows written,
so the product inserts normally afterwards, and the card counters continue from the last card of each
year. Then ``ANALYZE``.

The catalogue, the business types and the reminder rules are the ones the migrations wrote (offsets and
licence validity are read from them). Not written: change history (``simple_history`` tables), in-app
notices, trips, portal invitations, improvement actions, attachments, escalation reminders and butler
tasks. At province scale ``Company.district`` holds region codes outside Ningbo, which the field's
choices (Ningbo's districts) do not list: pages show the code.
"""

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.utils import timezone

from butler.contactlog.models import ContactRecord
from butler.demo.world import (
    DEMO_PASSWORD,
    GIVEN_NAMES,
    MASSES,
    MOBILE_PREFIXES,
    PRIMARY_POSITIONS,
    PROFILES,
    SECOND_POSITIONS,
    SURNAMES,
    TRADE_NAMES,
    VESSEL_NAMES,
    _Loader,
)
from butler.feedback.models import AuditCase, Rating, Suggestion
from butler.messaging.models import Message, MessageThread
from butler.security import roles
from butler.service.models import Butler, CardCounter, ReminderRule, ServicePeriod
from companies.credit_code import ALPHABET, with_check_character
from companies.models import (
    BusinessType,
    Company,
    CompanyLicence,
    Contact,
    LicenceScope,
    LicenceType,
    Person,
    Vehicle,
    Vessel,
)
from reminders.models import Reminder

SEED = 7
SERVICE_DAYS = 180
HISTORY_DAYS = 540  # service periods started over the last 18 months: one third still active
BUSY_PORTFOLIO = 300  # the first butler's companies in service (the benchmark's Today page)
BIG_FLEET = (300, 120, 200, 60, 3)  # company 1: vehicles, of which tankers; drivers, escorts, loaders
COMPANIES_PER_BUTLER = 500
PORTAL_SHARE = 0.6
MANAGER = ("manager", "陈建国")


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


class NotEmpty(Exception):
    """The database holds companies already: the generator writes only into an empty one."""


class NeedsPostgreSQL(Exception):
    """The volume is written with PostgreSQL's COPY and set-based SQL."""


# --- Zhejiang: cities, their county-level divisions, plate letters and area codes ------------------------

# city, plate letter, area code, weight in the province, [(region code, county)]
CITIES = [
    ("宁波市", "B", "0574", 20, [
        ("330206", "北仑区"), ("330203", "海曙区"), ("330205", "江北区"), ("330211", "镇海区"),
        ("330212", "鄞州区"), ("330213", "奉化区"), ("330225", "象山县"), ("330226", "宁海县"),
        ("330281", "余姚市"), ("330282", "慈溪市"),
    ]),
    ("杭州市", "A", "0571", 18, [
        ("330102", "上城区"), ("330105", "拱墅区"), ("330106", "西湖区"), ("330108", "滨江区"),
        ("330109", "萧山区"), ("330110", "余杭区"),
    ]),
    ("温州市", "C", "0577", 12, [
        ("330302", "鹿城区"), ("330303", "龙湾区"), ("330304", "瓯海区"), ("330381", "瑞安市"),
        ("330382", "乐清市"),
    ]),
    ("绍兴市", "D", "0575", 9, [("330602", "越城区"), ("330603", "柯桥区"), ("330604", "上虞区"),
                                 ("330681", "诸暨市")]),
    ("湖州市", "E", "0572", 6, [("330502", "吴兴区"), ("330503", "南浔区"), ("330521", "德清县"),
                                 ("330523", "安吉县")]),
    ("嘉兴市", "F", "0573", 9, [("330402", "南湖区"), ("330411", "秀洲区"), ("330481", "海宁市"),
                                 ("330482", "平湖市")]),
    ("金华市", "G", "0579", 12, [("330702", "婺城区"), ("330703", "金东区"), ("330782", "义乌市"),
                                  ("330783", "东阳市")]),
    ("衢州市", "H", "0570", 3, [("330802", "柯城区"), ("330803", "衢江区")]),
    ("台州市", "J", "0576", 6, [("331002", "椒江区"), ("331003", "黄岩区"), ("331004", "路桥区"),
                                 ("331082", "临海市")]),
    ("丽水市", "K", "0578", 2, [("331102", "莲都区"), ("331181", "龙泉市")]),
    ("舟山市", "L", "0580", 3, [("330902", "定海区"), ("330903", "普陀区")]),
]  # fmt: skip
# Within Ningbo, Beilun (the port) has most carriers.
NINGBO_WEIGHTS = [30, 8, 6, 10, 14, 5, 6, 6, 7, 8]
ROADS = [
    "人民路", "中山路", "解放路", "环城北路", "工业大道", "物流园路", "港湾路", "滨海大道", "建设路",
    "学府路", "长江路", "黄山路", "明州路", "太河路", "兴业路", "创业路", "金港路", "通途路", "开发大道",
    "科技路", "新城大道", "东环路", "西环路", "南环路",
]  # fmt: skip
# Syllables of trade names beyond the demo's: two of them make a name such as 顺达 or 恒通.
SYLLABLES = (
    "顺达通远恒鑫盛华泰安宏丰瑞汇隆兴嘉诚祥众鼎海天东升信亚福运久宝联和昌凯广源润明捷畅万长星瀚锦程禾"
    "腾吉振永正聚港航浩金新荣益康宇晟豪"
)
# Business profiles: type codes, share of companies (per thousand) and the name words of the demo.
PROFILE_SHARES = {
    ("road_freight",): 520,
    ("road_freight", "dangerous_goods"): 60,
    ("dangerous_goods",): 80,
    ("passenger",): 50,
    ("port",): 50,
    ("waterway",): 40,
    ("port", "waterway"): 10,
    ("repair",): 130,
    ("driver_training",): 60,
}
PROFILE_WORDS = {codes: [word for word, _english in words] for codes, _count, words in PROFILES}

# The demo's contact log, drawn from again here.
CONTACT_NOTES = _Loader.CONTACTS
OUTCOMES = _Loader.OUTCOMES
QUESTIONS = [
    ("营业执照照片", "管家您好，营业执照照片这样拍可以吗？",
     "可以的，照片清晰。下周一带原件到窗口即可。"),
    ("道路运输证年审", "我们有两辆车下个月年审，需要提前预约吗？",
     "不需要预约，带行驶证和技术等级评定结论来窗口办理即可。"),
    ("驾驶员从业资格证", "新招的驾驶员从业资格证是外省的，需要转入吗？",
     "需要办理转籍，我把材料清单发您，备齐后一次办结。"),
    ("卫星定位装置", "新车的卫星定位装置安装证明在哪里开？",
     "由安装单位出具，盖章后上传或带来窗口都可以。"),
    ("经营范围变更", "想增加危险货物运输，需要准备什么？",
     "涉及专用车辆和安全员配备，我明天电话和您详细说。"),
]  # fmt: skip
GOOD_COMMENTS = ["管家服务很周到", "一次就办好了，效率高", "提醒很及时，没有耽误年审", "", "", ""]
BAD_COMMENTS = ["材料要求前后说法不一致，跑了两趟", "电话打了几次都没人接", "等候时间太长"]
SUGGESTIONS = [
    ("materials", "希望道路运输证年审不再要求提供纸质行驶证复印件"),
    ("procedure", "建议从业资格证换证可以全程网办"),
    ("waiting", "上午窗口排队时间较长，建议增加预约时段"),
    ("online", "网上办事系统上传照片经常失败"),
    ("policy", "希望明确挂车道路运输证的办理要求"),
    ("other", "建议窗口提供复印服务"),
]
CLOSING = "已回访企业，企业对处理结果表示认可"


def _hash(expression: str, salt: int) -> str:
    """A deterministic non-negative pseudo-random integer of a row's key, in SQL (stands in for chance)."""
    return f"((hashint8extended(({expression})::bigint, {salt}) & 2147483647)::int)"


def _pick(values: list[str], expression: str, salt: int) -> str:
    """One of ``values``, chosen by a hash of the row's key, as an SQL expression."""
    array = "ARRAY[" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + "]"
    return f"({array})[1 + mod({_hash(expression, salt)}, {len(values)})]"


def _int_array(values: Iterable[int]) -> str:
    return "ARRAY[" + ", ".join(str(int(value)) for value in values) + "]"


# --- The plan: every company drawn in Python --------------------------------------------------------


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


# Plate bodies per letter: 100,000 of five digits, then one letter among four digits (5 places × 24).
PLATE_CAPACITY = 100_000 + 24 * 10_000 * 5
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _plate_body(k: str) -> str:
    """SQL: the k-th plate body of a letter (0-based), digits shuffled so neighbours do not look alike."""
    m = f"(({k}) - 100000)"
    return (
        f"CASE WHEN ({k}) < 100000 THEN lpad(mod(({k}) * 7919, 100000)::text, 5, '0') "
        f"ELSE overlay(lpad(mod(mod({m}, 10000) * 7919 + {m} / 10000, 10000)::text, 4, '0') "
        f"placing substr('{PLATE_LETTERS}', 1 + mod({m} / 10000, 24)::int, 1) "
        f"from (1 + mod({m} / 240000, 5))::int for 0) END"
    )


# --- Writing -----------------------------------------------------------------------------------------


@dataclass
class Step:
    table: str
    rows: int
    seconds: float


@dataclass
class Result:
    scale: Scale
    steps: list[Step] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    busy_butler: str = ""


def _defaults(model: type[models.Model], given: Iterable[str]) -> dict[str, object]:
    """The database values of every column not ``given``: the model's default, '' or NULL."""
    values = {}
    for f in model._meta.concrete_fields:
        if f.column in given or f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            values[f.column] = timezone.now()
        elif f.has_default():
            values[f.column] = f.get_db_prep_save(f.get_default(), connection)
        elif f.null:
            values[f.column] = None
        elif isinstance(f, models.CharField | models.TextField):
            values[f.column] = ""
        else:
            raise LookupError(f"{model._meta.label}.{f.name} needs a value")
    return values


def _copy(model: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> int:
    """``COPY`` rows into the model's table; the columns not named get their defaults."""
    defaults = _defaults(model, columns)
    names = columns + list(defaults)
    tail = tuple(defaults.values())
    count = 0
    with connection.cursor() as cursor:
        columns_sql = ", ".join(connection.ops.quote_name(name) for name in names)
        with cursor.copy(f"COPY {model._meta.db_table} ({columns_sql}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row) + tail)
                count += 1
    return count


def _insert(
    model: type[models.Model], values: dict[str, str], source: str, params: dict | None = None
) -> int:
    """``INSERT INTO <table> (…) SELECT <values> FROM <source>``; other columns get their defaults."""
    known = {f.column for f in model._meta.concrete_fields}
    unknown = set(values) - known
    if unknown:
        raise LookupError(f"{model._meta.label} has no column {', '.join(sorted(unknown))}")
    params = dict(params or {})
    expressions = dict(values)
    for column, value in _defaults(model, values).items():
        params[f"default_{column}"] = value
        expressions[column] = f"%(default_{column})s"
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(map(connection.ops.quote_name, expressions))}) "  # noqa: S608 - our own fragments
        f"SELECT {', '.join(expressions.values())} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


class _Indexes:
    """Drop a table's secondary indexes (and unique constraints no foreign key needs) for a bulk load and
    build them again afterwards, inside the same transaction: one sort per index instead of a descent
    per row."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.constraints: list[tuple[str, str]] = []
        self.indexes: list[str] = []

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT con.conname, pg_get_constraintdef(con.oid), pg_get_indexdef(i.indexrelid), "
                "i.indexrelid::regclass::text FROM pg_index i "
                "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype = 'u' "
                "AND con.conrelid = i.indrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint fk WHERE fk.contype = 'f' "
                "AND fk.conindid = i.indexrelid)",
                [self.table],
            )
            for constraint, definition, index_definition, index in cursor.fetchall():
                if constraint:
                    self.constraints.append((constraint, definition))
                    cursor.execute(f'ALTER TABLE {self.table} DROP CONSTRAINT "{constraint}"')
                else:
                    self.indexes.append(index_definition)
                    cursor.execute(f"DROP INDEX {index}")

    def build(self) -> None:
        with connection.cursor() as cursor:
            for constraint, definition in self.constraints:
                cursor.execute(f'ALTER TABLE {self.table} ADD CONSTRAINT "{constraint}" {definition}')
            for definition in self.indexes:
                cursor.execute(definition)


class _Writer:
    def __init__(self, plan: Plan, scale: Scale, *, now: datetime, log: Callable[[str], None]) -> None:
        self.plan = plan
        self.scale = scale
        self.now = now
        self.today = timezone.localdate(now)
        self.log = log
        self.result = Result(scale=scale)
        self.tz = settings.TIME_ZONE

    def timed(self, table: str, write: Callable[[], int]) -> int:
        started = time.perf_counter()
        rows = write()
        step = Step(table, rows, time.perf_counter() - started)
        self.result.steps.append(step)
        self.log(f"  {table:<44} {rows:>12,} rows {step.seconds:>8.1f} s")
        return rows

    def base(self, model: type[models.Model]) -> int:
        """The largest id in the table: rows written with explicit ids come after it."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {model._meta.db_table}")  # noqa: S608 - a model's own table name
            return cursor.fetchone()[0]

    def moment(self, day: date, minute: int) -> datetime:
        """That minute of the day in the window's time zone; never later than now."""
        return min(timezone.make_aware(datetime.combine(day, clock(minute // 60, minute % 60))), self.now)

    # people: the manager, the butlers and the portal accounts

    def users(self) -> None:
        user_model = get_user_model()
        password = make_password(DEMO_PASSWORD)  # one hash for every account: hashing is slow on purpose
        groups = {name: Group.objects.get_or_create(name=name)[0].pk for name in roles.ALL_ROLES}
        wanted = [MANAGER[0]] + [f"butler{n}" for n in range(1, len(self.plan.butlers) + 1)]
        taken = set(user_model.objects.filter(username__in=wanted).values_list("username", flat=True))
        if taken or user_model.objects.filter(username__startswith="company0").exists():
            names = ", ".join(sorted(taken)) or "company000001 …"
            raise NotEmpty(f"users named like the generated ones exist already: {names}")
        base = self.base(user_model)
        joined = self.moment(self.today - timedelta(days=HISTORY_DAYS + 30), 9 * 60)
        self.manager_id = base + 1
        self.butler_users = [base + 2 + n for n in range(len(self.plan.butlers))]
        rows, memberships = [], []
        rows.append((self.manager_id, MANAGER[0], MANAGER[1], f"{MANAGER[0]}@window.example", joined))
        memberships.append((self.manager_id, groups[roles.MANAGER]))
        for n, (butler, user_id) in enumerate(zip(self.plan.butlers, self.butler_users, strict=True), 1):
            rows.append((user_id, f"butler{n}", butler.name, f"butler{n}@window.example", joined))
            memberships.append((user_id, groups[roles.BUTLER]))
        next_id = base + 2 + len(self.plan.butlers)
        self.portal_users: dict[int, int] = {}
        for company in self.plan.companies:
            if company.portal:
                self.portal_users[company.id] = next_id
                rows.append(
                    (
                        next_id,
                        f"company{company.id:06d}",
                        company.contact_name,
                        company.contact_email,
                        self.moment(company.start, company.minute + 60),
                    )
                )
                memberships.append((next_id, groups[roles.COMPANY]))
                next_id += 1
        columns = ["id", "username", "first_name", "email", "date_joined", "password"]
        self.timed(
            user_model._meta.db_table,
            lambda: _copy(user_model, columns, (row + (password,) for row in rows)),
        )
        groups_model = user_model.groups.through
        self.timed(
            groups_model._meta.db_table,
            lambda: _copy(groups_model, ["user_id", "group_id"], memberships),
        )

    def butlers(self) -> None:
        base = self.base(Butler)
        self.butler_ids = [base + 1 + n for n in range(len(self.plan.butlers))]
        rows = [
            (
                butler_id,
                user_id,
                butler.name,
                f"{self.plan.cities[butler.city][0]}{butler.county}行政服务中心交通窗口 {butler.window}号",
                butler.phone,
                butler.mobile,
                True,
            )
            for butler_id, user_id, butler in zip(
                self.butler_ids, self.butler_users, self.plan.butlers, strict=True
            )
        ]
        columns = ["id", "user_id", "display_name", "window", "office_phone", "mobile", "active"]
        self.timed(Butler._meta.db_table, lambda: _copy(Butler, columns, rows))
        self.result.busy_butler = "butler1"

    # companies, their contacts and their service periods

    def companies(self) -> None:
        companies = self.plan.companies
        columns = [
            "id", "name", "credit_code", "registered_on", "district", "address", "legal_representative",
            "status", "created_at",
        ]  # fmt: skip
        index = _Indexes(Company._meta.db_table)  # the name's trigram index is slow to fill row by row
        index.drop()
        self.timed(
            Company._meta.db_table,
            lambda: _copy(
                Company,
                columns,
                (
                    (
                        c.id, c.name, c.credit_code, c.registered_on, c.region, c.address, c.legal, c.status,
                        self.moment(c.start, c.minute),
                    )
                    for c in companies
                ),
            ),
        )  # fmt: skip
        self.timed(f"{Company._meta.db_table} (indexes)", lambda: index.build() or 0)
        types = dict(BusinessType.objects.values_list("code", "pk"))
        through = Company.business_types.through
        self.timed(
            through._meta.db_table,
            lambda: _copy(
                through,
                ["company_id", "businesstype_id"],
                ((c.id, types[code]) for c in companies for code in c.types if code in types),
            ),
        )
        base = self.base(Contact)
        self.contact_ids = {c.id: base + c.id for c in companies}  # the primary contacts
        seconds = [c for c in companies if c.second]
        second_base = base + len(companies)

        def contacts():
            for c in companies:
                yield (
                    self.contact_ids[c.id], c.id, c.contact_name, c.contact_position, c.contact_mobile,
                    c.contact_email, True, self.portal_users.get(c.id), c.reminder_channel,
                )  # fmt: skip
            for n, c in enumerate(seconds, 1):
                name, position, mobile = c.second
                yield (second_base + n, c.id, name, position, mobile, "", False, None, "sms")

        columns = [
            "id", "company_id", "name", "position", "mobile", "email", "is_primary", "user_id",
            "reminder_channel",
        ]  # fmt: skip
        self.timed(Contact._meta.db_table, lambda: _copy(Contact, columns, contacts()))

    def periods(self) -> None:
        base = self.base(ServicePeriod)
        prefix = settings.BUTLER_CARD_PREFIX
        existing = dict(CardCounter.objects.values_list("year", "last"))
        last = Counter(existing)
        self.period_ids: dict[int, int] = {}
        rows = []
        for n, c in enumerate(sorted(self.plan.companies, key=lambda c: (c.start, c.minute, c.id)), 1):
            period_id = base + n
            self.period_ids[c.id] = period_id
            last[c.start.year] += 1
            end = c.start + timedelta(days=SERVICE_DAYS)
            rows.append(
                (
                    period_id,
                    c.id,
                    self.butler_ids[c.butler],
                    c.start,
                    end,
                    ServicePeriod.Status.ACTIVE if c.active else ServicePeriod.Status.COMPLETED,
                    None if c.active else end,
                    f"{prefix}-{c.start.year}-{last[c.start.year]:04d}",
                    self.moment(c.start, c.minute + 5),
                    "" if c.active or c.id % 2 else "证件均在有效期内，续期前60天系统会提醒企业",
                )
            )
        columns = [
            "id", "company_id", "butler_id", "start_date", "end_date", "status", "ended_on", "card_number",
            "created_at", "handover_note",
        ]  # fmt: skip
        self.timed(ServicePeriod._meta.db_table, lambda: _copy(ServicePeriod, columns, rows))
        for year, number in last.items():
            CardCounter.objects.update_or_create(year=year, defaults={"last": number})

    def seed_table(self) -> None:
        """What the set-based statements need of each company, in a temporary table."""
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE seed_plan (id bigint PRIMARY KEY, region text, letter text, "
                "types text, active boolean, established boolean, start_date date, end_date date, "
                "period_id bigint, butler_id bigint, butler_user bigint, contact_id bigint, "
                "portal_user bigint, has_email boolean, vehicles int, tankers int, vehicle_kind text, "
                "drivers int, escorts int, loaders int, vessels int, plate_base int, vessel_base int, "
                "name text, minute int) ON COMMIT DROP"
            )
            with cursor.copy("COPY seed_plan FROM STDIN") as copy:
                for c in self.plan.companies:
                    copy.write_row(
                        (
                            c.id, c.region, c.letter, ",".join(c.types), c.active, c.established, c.start,
                            c.start + timedelta(days=SERVICE_DAYS), self.period_ids[c.id],
                            self.butler_ids[c.butler], self.butler_users[c.butler], self.contact_ids[c.id],
                            self.portal_users.get(c.id), bool(c.contact_email), c.vehicles, c.tankers,
                            c.vehicle_kind, c.drivers, c.escorts, c.loaders, c.vessels, c.plate_base,
                            c.vessel_base, c.name, c.minute,
                        )
                    )  # fmt: skip
            cursor.execute("ANALYZE seed_plan")

    # what the companies run

    def subjects(self) -> None:
        surnames = [s for s, _ in SURNAMES]
        given = [g for g, _ in GIVEN_NAMES]
        masses = {kind: [m for m in MASSES[kind] if m > 4500] for kind in ("truck", "tractor", "tank_truck")}
        indexes = [_Indexes(Vehicle._meta.db_table), _Indexes(Person._meta.db_table)]
        for index in indexes:
            index.drop()
        self.timed(
            Vehicle._meta.db_table,
            lambda: _insert(
                Vehicle,
                {
                    "company_id": "p.id",
                    "plate": f"'浙' || p.letter || {_plate_body('p.plate_base + g.i - 1')}",
                    "vehicle_type": "CASE WHEN p.vehicle_kind <> 'truck' THEN p.vehicle_kind "
                    "WHEN g.i <= p.tankers THEN 'tanker' WHEN mod(g.i, 5) = 0 THEN 'tractor' "
                    "ELSE 'truck' END",
                    "total_mass_kg": "CASE p.vehicle_kind "
                    f"WHEN 'bus' THEN ({_int_array(MASSES['bus'])})[1 + mod(g.i, {len(MASSES['bus'])})] "
                    "WHEN 'training' THEN "
                    f"({_int_array(MASSES['training'])})[1 + mod(g.i, {len(MASSES['training'])})] "
                    "ELSE CASE WHEN g.i <= p.tankers THEN "
                    f"({_int_array(masses['tank_truck'])})[1 + mod(g.i, {len(masses['tank_truck'])})] "
                    f"WHEN mod(g.i, 5) = 0 THEN ({_int_array(masses['tractor'])})[1 + mod(g.i, "
                    f"{len(masses['tractor'])})] ELSE ({_int_array(masses['truck'])})"
                    f"[1 + mod({_hash('p.id * 1000 + g.i', 1)}, {len(masses['truck'])})] END END",
                },
                "seed_plan AS p CROSS JOIN LATERAL generate_series(1, p.vehicles) AS g(i)",
            ),
        )
        person_key = "p.id * 1000 + g.i"
        self.timed(
            Person._meta.db_table,
            lambda: _insert(
                Person,
                {
                    "company_id": "p.id",
                    "name": f"{_pick(surnames, person_key, 2)} || {_pick(given, person_key, 3)}",
                    "role": "CASE WHEN g.i <= p.drivers THEN 'driver' "
                    "WHEN g.i <= p.drivers + p.escorts THEN 'escort' ELSE 'loader' END",
                    "mobile": f"CASE WHEN mod({_hash(person_key, 4)}, 100) < 85 THEN "
                    f"{_pick(MOBILE_PREFIXES, person_key, 5)} || "
                    f"lpad(mod({_hash(person_key, 6)}, 100000000)::text, 8, '0') ELSE '' END",
                },
                "seed_plan AS p "
                "CROSS JOIN LATERAL generate_series(1, p.drivers + p.escorts + p.loaders) AS g(i)",
            ),
        )
        self.timed(
            Vessel._meta.db_table,
            lambda: _insert(
                Vessel,
                {
                    "company_id": "p.id",
                    "name": f"{_pick(VESSEL_NAMES, 'p.id * 10 + g.i', 7)} || (p.vessel_base + g.i)",
                    "registration_number": "p.region || lpad((p.vessel_base + g.i)::text, 6, '0')",
                },
                "seed_plan AS p CROSS JOIN LATERAL generate_series(1, p.vessels) AS g(i)",
            ),
        )
        for index in indexes:
            self.timed(f"{index.table} (indexes)", lambda index=index: index.build() or 0)

    def licences(self) -> None:
        """Every licence the plan calls for, at a stage that fits the company's time with the window.

        A company in its first service period (not holding licences before) is still obtaining some
        (required, in preparation, applied, materials missing, some past their deadline) and obtained the
        others during the period. The others hold their licences: expiries spread over the validity, so
        renewals fall due all through the year, some renewal due or applied, a few lapsed. Filings never
        expire. Now and then a person left (withdrawn) or a licence was set aside (not required).
        """
        catalogue = {lt.code: lt for lt in LicenceType.objects.all()}
        by_scope = {
            scope: next((lt for lt in catalogue.values() if lt.scope == scope), None)
            for scope in (LicenceScope.VEHICLE, LicenceScope.PERSON, LicenceScope.VESSEL)
        }
        vehicle_type = catalogue.get("vehicle_certificate") or by_scope[LicenceScope.VEHICLE]
        person_type = catalogue.get("driver_qualification") or by_scope[LicenceScope.PERSON]
        vessel_type = catalogue.get("ship_certificate") or by_scope[LicenceScope.VESSEL]
        sources = [
            "SELECT DISTINCT cbt.company_id, lt.id AS type_id, 'company' AS subject_key, NULL::bigint AS "
            "vehicle_id, NULL::bigint AS person_id, NULL::bigint AS vessel_id, 0::bigint AS sid "
            "FROM companies_company_business_types cbt JOIN companies_licencetype_business_types ltb "
            "ON ltb.businesstype_id = cbt.businesstype_id JOIN companies_licencetype lt "
            "ON lt.id = ltb.licencetype_id AND lt.scope = 'company' "
            "JOIN seed_plan sp ON sp.id = cbt.company_id"
        ]
        if vehicle_type:
            sources.append(
                f"SELECT v.company_id, {vehicle_type.pk}, 'vehicle:' || v.id, v.id, NULL, NULL, v.id "  # noqa: S608 - a primary key
                "FROM companies_vehicle v JOIN seed_plan sp ON sp.id = v.company_id "
                "WHERE v.vehicle_type <> 'training'"
            )
        if person_type:
            sources.append(
                f"SELECT pe.company_id, {person_type.pk}, 'person:' || pe.id, NULL, pe.id, NULL, pe.id "  # noqa: S608 - a primary key
                "FROM companies_person pe JOIN seed_plan sp ON sp.id = pe.company_id"
            )
        if vessel_type:
            sources.append(
                f"SELECT ve.company_id, {vessel_type.pk}, 'vessel:' || ve.id, NULL, NULL, ve.id, ve.id "  # noqa: S608 - a primary key
                "FROM companies_vessel ve JOIN seed_plan sp ON sp.id = ve.company_id"
            )
        key = "s.company_id * 1000003 + s.sid * 31 + s.type_id"
        u = f"mod({_hash(key, 11)}, 10000)"
        # The stage: a company in its first period (not holding licences before) is still obtaining some
        # (most of them before the deadline; after it a few stay outstanding), the rest it obtained during
        # the period; the others' licences are held, expiries spread over their validity.
        within = "coalesce(lt.obtain_within_days, 60)"
        stage = (
            f"CROSS JOIN LATERAL (SELECT {u} AS u, {_hash(key, 13)} AS w, "
            f"mod({_hash(key, 14)}, 100) AS v) AS x "
            "CROSS JOIN LATERAL (SELECT p.active AND NOT p.established AS fresh, "
            "p.active AND NOT p.established AND x.u < "
            f"CASE WHEN p.start_date + {within} >= %(today)s::date THEN 4500 ELSE 250 END AS open) AS y "
        )
        months = "make_interval(months => lt.validity_months)"
        fresh_issued = "(p.start_date + mod(x.w, greatest(%(today)s::date - p.start_date, 1)))"
        held_expires = "(%(today)s::date - 20 + mod(x.w, lt.validity_months * 30))"
        dates = (
            "CROSS JOIN LATERAL (SELECT "
            "CASE WHEN y.open THEN NULL "
            f"WHEN y.fresh THEN {fresh_issued} "
            "WHEN lt.validity_months IS NULL THEN p.start_date - mod(x.w, 400) "
            f"ELSE ({held_expires} - {months})::date END AS issued, "
            "CASE WHEN lt.validity_months IS NULL OR y.open THEN NULL "
            f"WHEN y.fresh THEN ({fresh_issued} + {months})::date "
            f"ELSE {held_expires} END AS expires) AS d"
        )
        to_obtain = "y.open"
        renew_by = "d.expires - lt.renew_days_before"
        # Most companies apply for renewal in time: past the last day to apply, few have not; past expiry,
        # a few lapsed.
        status = (
            "CASE WHEN x.u >= 9900 THEN "
            "CASE WHEN s.person_id IS NOT NULL THEN 'withdrawn' ELSE 'not_required' END "
            "WHEN y.open THEN CASE WHEN x.v < 27 THEN 'required' WHEN x.v < 49 THEN 'preparing' "
            "WHEN x.v < 73 THEN 'applied' ELSE 'missing' END "
            "WHEN d.expires IS NULL THEN 'issued' "
            "WHEN d.expires < %(today)s THEN CASE WHEN x.v < 20 THEN 'expired' ELSE 'renewal_applied' END "
            f"WHEN {renew_by} < %(today)s THEN "
            "CASE WHEN x.v < 15 THEN 'renewal_due' ELSE 'renewal_applied' END "
            f"WHEN {renew_by} <= %(today)s::date + %(notice)s "
            "THEN CASE WHEN x.v < 70 THEN 'renewal_due' ELSE 'renewal_applied' END "
            "ELSE 'issued' END"
        )
        accepted = "CASE WHEN x.v >= 49 THEN greatest(p.start_date, %(today)s::date - mod(x.w, 10)) END"
        scope_numbers = (
            "CASE lt.scope "
            "WHEN 'company' THEN '浙交运管许可字' || p.region || lpad(mod(x.w, 1000000)::text, 6, '0') "
            "WHEN 'vehicle' THEN p.region || lpad(mod(x.w, 100000000)::text, 8, '0') "
            "WHEN 'person' THEN '浙交从业' || lpad(mod(x.w, 1000000000)::text, 9, '0') "
            "ELSE '浙船营运' || lpad(mod(x.w, 1000000)::text, 6, '0') END"
        )
        issued_now = "NOT y.open AND x.u < 9900"
        index = _Indexes(CompanyLicence._meta.db_table)
        index.drop()
        self.timed(
            CompanyLicence._meta.db_table,
            lambda: _insert(
                CompanyLicence,
                {
                    "company_id": "s.company_id",
                    "licence_type_id": "s.type_id",
                    "vehicle_id": "s.vehicle_id",
                    "person_id": "s.person_id",
                    "vessel_id": "s.vessel_id",
                    "subject_key": "s.subject_key",
                    "status": status,
                    "certificate_number": f"CASE WHEN {issued_now} THEN {scope_numbers} ELSE '' END",
                    "channel": f"CASE WHEN {issued_now} OR (y.open AND x.v >= 49) THEN "
                    f"{_pick(['window', 'online', 'mobile', 'window'], key, 12)} ELSE '' END",
                    "accepted_on": f"CASE WHEN {to_obtain} THEN {accepted} END",
                    "statutory_due_on": f"CASE WHEN {to_obtain} THEN {accepted} + "
                    "(coalesce(lt.statutory_limit_days, 20) * 7 / 5) END",
                    "committed_due_on": f"CASE WHEN {to_obtain} THEN {accepted} + "
                    "(coalesce(lt.committed_limit_days, 5) * 7 / 5) END",
                    "missing_noted_on": f"CASE WHEN {to_obtain} AND x.v >= 73 THEN {accepted} + 2 END",
                    "issued_on": "CASE WHEN x.u < 9900 THEN d.issued END",
                    "first_issued_on": "CASE WHEN x.u < 9900 THEN d.issued END",
                    "expires_on": "CASE WHEN x.u < 9900 THEN d.expires END",
                    "renew_by": "CASE WHEN x.u < 9900 THEN d.expires - lt.renew_days_before END",
                    "obtain_by": "CASE WHEN p.established THEN NULL "
                    "ELSE p.start_date + coalesce(lt.obtain_within_days, 60) END",
                    "notes": f"CASE WHEN {to_obtain} AND x.v >= 73 THEN '已一次性告知需补正的材料' "
                    "ELSE '' END",
                    "updated_at": "%(now)s",
                },
                f"({' UNION ALL '.join(sources)}) AS s "
                "JOIN seed_plan AS p ON p.id = s.company_id "
                "JOIN companies_licencetype AS lt ON lt.id = s.type_id "
                f"{stage}{dates}",
                {
                    "today": self.today,
                    "now": self.now,
                    "notice": getattr(settings, "BUTLER_RENEWAL_NOTICE_DAYS", 30),
                },
            ),
        )
        self.timed(f"{CompanyLicence._meta.db_table} (indexes)", lambda: index.build() or 0)

    def reminders(self) -> None:
        """The reminders of the renewal and obtain-by dates, as the engine plans them from the rules: to
        the company's portal account and, while a period is active, to its butler; past ones sent (a few
        SMS failed), those ahead pending. One channel a reminder: the earlier ones in the portal, the
        last ones by e-mail or SMS. Only reminders from the company's first visit on."""
        rules = {
            rule.kind: rule.offsets
            for rule in ReminderRule.objects.filter(
                kind__in=[ReminderRule.Kind.RENEW_BY, ReminderRule.Kind.OBTAIN_BY],
                licence_type=None,
                active=True,
            )
        }
        offsets = [(kind, days) for kind, days_list in rules.items() for days in days_list if days >= 0]
        if not offsets:
            return
        values = ", ".join(f"('{kind}', {days})" for kind, days in offsets)
        base = self.base(Reminder)
        company_channel = (
            "CASE WHEN o.days >= 30 THEN 'in_app' WHEN o.days >= 7 AND p.has_email THEN 'email' "
            "ELSE 'sms' END"
        )
        scheduled = "(((k.due_on - o.days) + time '09:00') AT TIME ZONE %(tz)s)"
        sent = f"{scheduled} < %(now)s"
        failed = f"r.channel = 'sms' AND mod({_hash('cl.id * 8 + o.days', 21)}, 100) = 0"
        source = (
            "companies_companylicence AS cl JOIN seed_plan AS p ON p.id = cl.company_id "
            "JOIN companies_licencetype AS lt ON lt.id = cl.licence_type_id "
            "LEFT JOIN companies_vehicle AS v ON v.id = cl.vehicle_id "
            "LEFT JOIN companies_person AS pe ON pe.id = cl.person_id "
            "LEFT JOIN companies_vessel AS ve ON ve.id = cl.vessel_id "
            "CROSS JOIN LATERAL (VALUES "
            "('renew_by', CASE WHEN cl.status IN ('issued', 'renewal_due') THEN cl.renew_by END), "
            "('obtain_by', CASE WHEN cl.status IN ('required', 'preparing', 'applied', 'missing') "
            "AND cl.first_issued_on IS NULL THEN cl.obtain_by END)) AS k(kind, due_on) "
            f"JOIN (VALUES {values}) AS o(kind, days) ON o.kind = k.kind "
            f"CROSS JOIN LATERAL (VALUES (p.portal_user, {company_channel}), "
            "(CASE WHEN p.active THEN p.butler_user END, 'in_app')) AS r(recipient, channel) "
            "WHERE k.due_on IS NOT NULL AND r.recipient IS NOT NULL AND k.due_on - o.days >= p.start_date"
        )
        inner = (
            "SELECT %(base)s + row_number() OVER () AS id, "  # noqa: S608 - our fragments, values are params
            "cl.id AS licence_id, cl.company_id, k.kind, "
            f"k.due_on, o.days, r.channel, r.recipient, {scheduled} AS at, {sent} AS past, "
            f"({failed}) AS failed, p.name || ' · ' || lt.name_zh || "
            "coalesce(' · ' || v.plate, ' · ' || pe.name, ' · ' || ve.name, '') AS label, "
            "(p.start_date + time '10:00') AT TIME ZONE %(tz)s AS known "
            f"FROM {source}"
        )
        index = _Indexes(Reminder._meta.db_table)
        index.drop()
        self.timed(
            Reminder._meta.db_table,
            lambda: _insert(
                Reminder,
                {
                    "id": "q.id",
                    "subject": "'licence:' || q.licence_id",
                    "scope": "'company:' || q.company_id",
                    "label": "left(q.label, 200)",
                    "kind": "q.kind",
                    "due_on": "q.due_on",
                    "offset_days": "q.days",
                    "channel": "q.channel",
                    "recipient_id": "q.recipient",
                    "scheduled_at": "q.at",
                    "status": "CASE WHEN q.past AND q.failed THEN 'failed' WHEN q.past THEN 'sent' "
                    "ELSE 'pending' END",
                    "attempts": "CASE WHEN q.past AND q.failed THEN 5 WHEN q.past THEN 1 ELSE 0 END",
                    "last_error": "CASE WHEN q.past AND q.failed THEN 'SMS gateway: 503 Service Unavailable' "
                    "ELSE '' END",
                    "provider_message_id": "CASE WHEN q.past AND NOT q.failed AND q.channel <> 'in_app' "
                    "THEN 'seed-' || q.id ELSE '' END",
                    "sent_at": "CASE WHEN q.past AND NOT q.failed THEN q.at + interval '4 seconds' END",
                    "created_at": "least(%(now)s, greatest(q.known, q.at - interval '61 days'))",
                },
                f"({inner}) AS q",
                {"base": base, "now": self.now, "tz": self.tz},
            ),
        )
        self.timed(f"{Reminder._meta.db_table} (indexes)", lambda: index.build() or 0)

    # the service: contacts, feedback, messages

    def contact_records(self) -> None:
        """One to three contacts a period, on working days of it; a quarter promised a return visit, made
        unless it fell due in the last two days."""
        key = "p.id * 10 + g.i"
        channels = [channel for channel, _ in CONTACT_NOTES]
        summaries = [summary for _, summary in CONTACT_NOTES]
        day = "(p.start_date + 1 + mod(" + _hash(key, 31) + ", greatest(x.span - 1, 1)))"
        hour = f"make_time(9 + mod({_hash(key, 32)}, 8)::int, 5 + mod({_hash(key, 33)}, 50)::int, 0)"
        occurred = f"(({day} + {hour}) AT TIME ZONE %(tz)s)"
        revisit = f"mod({_hash(key, 34)}, 4) = 0"
        due = f"({day} + 3)"
        done = f"{due} < %(today)s::date - 2"
        index = _Indexes(ContactRecord._meta.db_table)
        index.drop()
        self.timed(
            ContactRecord._meta.db_table,
            lambda: _insert(
                ContactRecord,
                {
                    "company_id": "p.id",
                    "period_id": "p.period_id",
                    "recorded_by_id": "p.butler_user",
                    "channel": _pick(channels, key, 36),  # the same draw as the summary: they go together
                    "occurred_at": f"least({occurred}, %(now)s - interval '1 hour')",
                    "participants": "''",
                    "summary": _pick(summaries, key, 36),
                    "important": revisit,
                    "return_visit_due": f"CASE WHEN {revisit} THEN {due} END",
                    "return_visit_done_at": f"CASE WHEN {revisit} AND {done} THEN ({due} + time '15:00') "
                    "AT TIME ZONE %(tz)s END",
                    "return_visit_outcome": f"CASE WHEN {revisit} AND {done} THEN {_pick(OUTCOMES, key, 37)} "
                    "ELSE '' END",
                },
                "seed_plan AS p CROSS JOIN LATERAL (SELECT least(p.end_date, %(today)s::date) - p.start_date "
                "AS span) AS x CROSS JOIN LATERAL generate_series(1, CASE WHEN x.span > 2 THEN "
                f"1 + mod({_hash('p.id', 30)}, 3)::int ELSE 0 END) AS g(i)",
                {"today": self.today, "now": self.now, "tz": self.tz},
            ),
        )
        self.timed(f"{ContactRecord._meta.db_table} (indexes)", lambda: index.build() or 0)

    def feedback(self) -> None:
        """A rating from about one company in three with a portal account (of the period that ended, or of
        the butler in service), mostly ★5; an audit case for each bad one (closed after three weeks, else
        at verification); suggestions from one company in forty, each with its case."""
        stars = f"mod({_hash('p.id', 41)}, 100)"
        overall = (
            f"CASE WHEN {stars} < 72 THEN 5 WHEN {stars} < 86 THEN 4 WHEN {stars} < 93 THEN 3 "
            f"WHEN {stars} < 97 THEN 2 ELSE 1 END"
        )
        rated = (
            "least(CASE WHEN p.active THEN ((p.start_date + 14 + mod(p.id, 60)::int) + time '20:15') "
            "ELSE ((p.end_date + 1 + mod(p.id, 5)::int) + time '19:40') END AT TIME ZONE %(tz)s, "
            "%(now)s - interval '2 hours')"
        )
        good_comments = _pick(GOOD_COMMENTS, "p.id", 42)
        bad_comments = _pick(BAD_COMMENTS, "p.id", 43)
        params = {"tz": self.tz, "now": self.now, "today": self.today}
        self.timed(
            Rating._meta.db_table,
            lambda: _insert(
                Rating,
                {
                    "kind": "CASE WHEN p.active THEN 'butler' ELSE 'period' END",
                    "company_id": "p.id",
                    "contact_id": "p.contact_id",
                    "rated_by_id": "p.portal_user",
                    "butler_id": "p.butler_id",
                    "period_id": "p.period_id",
                    "matter_key": "CASE WHEN p.active THEN 'butler:' ELSE 'period:' END || p.period_id",
                    "overall": "x.overall",
                    "efficiency": "CASE WHEN mod(p.id, 4) = 0 THEN NULL ELSE x.overall END",
                    "service_level": "CASE WHEN mod(p.id, 4) = 0 THEN NULL ELSE greatest(x.overall, 3) END",
                    "attitude": "CASE WHEN mod(p.id, 4) = 0 THEN NULL ELSE x.overall END",
                    "comment": f"CASE WHEN x.overall <= 2 THEN {bad_comments} ELSE {good_comments} END",
                    "created_at": rated,
                },
                f"seed_plan AS p CROSS JOIN LATERAL (SELECT {overall} AS overall) AS x "
                f"WHERE p.portal_user IS NOT NULL AND mod({_hash('p.id', 40)}, 9) < 5",
                params,
            ),
        )
        manager = self.manager_id
        closed = "r.created_at < %(now)s - interval '21 days'"
        case_values = {
            "company_id": "r.company_id",
            "concerns_id": "r.butler_id",
            "opened_at": "r.created_at",
            "step": f"CASE WHEN {closed} THEN 'closed' ELSE 'verify' END",
            "step_due": f"CASE WHEN {closed} THEN NULL ELSE (r.created_at AT TIME ZONE %(tz)s)::date + 3 END",
            "handler_id": f"CASE WHEN {closed} THEN {manager} END",
            "verified_at": f"CASE WHEN {closed} THEN r.created_at + interval '1 day' END",
            "verification_note": f"CASE WHEN {closed} THEN '已电话联系企业核实情况' ELSE '' END",
            "finding": f"CASE WHEN {closed} THEN "
            "CASE WHEN mod(r.id, 3) = 0 THEN 'explained' ELSE 'valid' END ELSE '' END",
            "finding_reason": f"CASE WHEN {closed} THEN '经核实，情况属实' ELSE '' END",
            "classified_at": f"CASE WHEN {closed} THEN r.created_at + interval '2 days' END",
            "classified_by_id": f"CASE WHEN {closed} THEN {manager} END",
            "rectify_due": f"CASE WHEN {closed} THEN (r.created_at AT TIME ZONE %(tz)s)::date + 21 END",
            "rectification": f"CASE WHEN {closed} THEN '已对窗口人员进行提醒并完善一次性告知单' ELSE '' END",
            "rectified_at": f"CASE WHEN {closed} THEN r.created_at + interval '8 days' END",
            "rectified_by_id": f"CASE WHEN {closed} THEN {manager} END",
            "return_visit_at": f"CASE WHEN {closed} THEN r.created_at + interval '10 days' END",
            "return_visit_satisfaction": f"CASE WHEN {closed} THEN 'satisfied' ELSE '' END",
            "return_visit_note": f"CASE WHEN {closed} THEN '{CLOSING}' ELSE '' END",
            "closed_at": f"CASE WHEN {closed} THEN r.created_at + interval '11 days' END",
            "closed_by_id": f"CASE WHEN {closed} THEN {manager} END",
            "closing_note": f"CASE WHEN {closed} THEN '整改到位，结案' ELSE '' END",
        }
        self.timed(
            f"{AuditCase._meta.db_table} (ratings)",
            lambda: _insert(
                AuditCase,
                {"rating_id": "r.id", **case_values},
                "butler_rating AS r JOIN seed_plan AS p ON p.id = r.company_id WHERE r.overall <= 2",
                params,
            ),
        )
        categories = [category for category, _ in SUGGESTIONS]
        texts = [text for _, text in SUGGESTIONS]
        self.timed(
            Suggestion._meta.db_table,
            lambda: _insert(
                Suggestion,
                {
                    "company_id": "p.id",
                    "contact_id": "p.contact_id",
                    "submitted_by_id": "p.portal_user",
                    "source": "'portal'",
                    "category": _pick(categories, "p.id", 51),
                    "text": _pick(texts, "p.id", 51),
                    "butler_id": "CASE WHEN p.active THEN p.butler_id END",
                    "created_at": "least(((least(p.end_date, %(today)s::date) - mod(p.id, 20)::int) "
                    "+ time '11:20') AT TIME ZONE %(tz)s, %(now)s - interval '3 hours')",
                },
                f"seed_plan AS p WHERE p.portal_user IS NOT NULL AND mod({_hash('p.id', 50)}, 40) = 0",
                params,
            ),
        )
        self.timed(
            f"{AuditCase._meta.db_table} (suggestions)",
            lambda: _insert(
                AuditCase,
                {"suggestion_id": "r.id", **case_values, "concerns_id": "NULL"},
                "butler_suggestion AS r JOIN seed_plan AS p ON p.id = r.company_id",
                params,
            ),
        )

    def messages(self) -> None:
        """One company in ten in service wrote to its butler in the last three weeks; most were answered
        within hours, the newest wait (they show on the butler's Today page)."""
        key = "p.id"
        asked = (
            f"least(((%(today)s::date - mod({_hash(key, 61)}, 21)) + make_time(9 + mod(p.id, 7)::int, "
            "mod(p.id, 60)::int, 0)) AT TIME ZONE %(tz)s, %(now)s - interval '10 minutes')"
        )
        answered = f"mod({_hash(key, 62)}, 10) < 7"
        reply = f"(x.asked + make_interval(mins => 20 + mod({_hash(key, 63)}, 200)::int))"
        params = {"today": self.today, "tz": self.tz, "now": self.now}
        subjects = [q[0] for q in QUESTIONS]
        self.timed(
            MessageThread._meta.db_table,
            lambda: _insert(
                MessageThread,
                {
                    "company_id": "p.id",
                    "subject": _pick(subjects, key, 64),
                    "started_by_id": "p.portal_user",
                    "created_at": "x.asked",
                    "last_message_at": f"CASE WHEN x.answered THEN least({reply}, %(now)s) ELSE x.asked END",
                    "awaiting_window": "NOT x.answered",
                    "company_read_at": f"CASE WHEN x.answered THEN least({reply}, %(now)s) ELSE x.asked END",
                    "window_read_at": f"CASE WHEN x.answered THEN least({reply}, %(now)s) END",
                    "first_response_minutes": f"CASE WHEN x.answered THEN 20 + mod({_hash(key, 63)}, 200) "
                    "END",
                },
                f"seed_plan AS p CROSS JOIN LATERAL (SELECT {asked} AS asked, {answered} AS answered) AS x "
                f"WHERE p.active AND p.portal_user IS NOT NULL AND mod({_hash(key, 60)}, 10) = 0",
                params,
            ),
        )
        questions = [q[1] for q in QUESTIONS]
        answers = [q[2] for q in QUESTIONS]
        self.timed(
            Message._meta.db_table,
            lambda: _insert(
                Message,
                {
                    "thread_id": "t.id",
                    "author_id": "CASE WHEN m.n = 1 THEN p.portal_user ELSE p.butler_user END",
                    "from_company": "m.n = 1",
                    "body": f"CASE WHEN m.n = 1 THEN {_pick(questions, 'p.id', 64)} ELSE "
                    f"{_pick(answers, 'p.id', 64)} END",
                    "created_at": "CASE WHEN m.n = 1 THEN t.created_at ELSE t.last_message_at END",
                },
                "butler_messagethread AS t JOIN seed_plan AS p ON p.id = t.company_id "
                "CROSS JOIN LATERAL "
                "generate_series(1, CASE WHEN t.awaiting_window THEN 1 ELSE 2 END) AS m(n)",
                params,
            ),
        )

    def sequences(self, tables: list[str]) -> None:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - our own table names
                    f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                )


MODELS = [
    get_user_model,
    lambda: get_user_model().groups.through,
    lambda: Butler,
    lambda: Company,
    lambda: Company.business_types.through,
    lambda: Contact,
    lambda: ServicePeriod,
    lambda: Vehicle,
    lambda: Person,
    lambda: Vessel,
    lambda: CompanyLicence,
    lambda: Reminder,
    lambda: ContactRecord,
    lambda: Rating,
    lambda: Suggestion,
    lambda: AuditCase,
    lambda: MessageThread,
    lambda: Message,
]


def ensure_empty() -> None:
    count = Company.objects.count()
    if count:
        raise NotEmpty(
            f"the database holds {count:,} {'company' if count == 1 else 'companies'} already; the volume "
            "generator writes only into an empty (freshly migrated) database"
        )


def seed_volume(scale: Scale, *, now: datetime | None = None, log: Callable[[str], None] = lambda _m: None):
    """Fill an empty PostgreSQL database with ``scale``; the steps, their times and the row counts."""
    ensure_empty()
    if connection.vendor != "postgresql":
        raise NeedsPostgreSQL(
            f"the {scale.name} scale is written with COPY and set-based SQL and needs PostgreSQL "
            f"(this database is {connection.vendor}); use --scale district here"
        )
    started = time.perf_counter()
    now = now or timezone.now()
    log(f"Drawing {scale.companies:,} companies and {scale.butlers:,} butlers …")
    plan = build_plan(scale, today=timezone.localdate(now))
    writer = _Writer(plan, scale, now=now, log=log)
    drawn = Step("(plan, in Python)", len(plan.companies), time.perf_counter() - started)
    writer.result.steps.append(drawn)
    log(f"  {drawn.table:<44} {drawn.rows:>12,} rows {drawn.seconds:>8.1f} s")
    with transaction.atomic():
        ensure_empty()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
            # Bulk load: no foreign-key triggers (the rows are consistent by construction). Needs a
            # superuser; without one the load is slower but the same.
            try:
                with transaction.atomic():
                    cursor.execute("SET LOCAL session_replication_role = replica")
            except Exception:  # noqa: BLE001 - a permission error: go on with the triggers
                log("  (not a superuser: foreign keys are checked row by row)")
        writer.users()
        writer.butlers()
        writer.companies()
        writer.periods()
        writer.seed_table()
        writer.subjects()
        writer.licences()
        writer.reminders()
        writer.contact_records()
        writer.feedback()
        writer.messages()
        tables = [model()._meta.db_table for model in MODELS]
        writer.sequences(tables)

    def analyze() -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(tables)}")
        return 0

    writer.timed("(ANALYZE)", analyze)
    result = writer.result
    result.counts = {table: 0 for table in tables}
    for step in result.steps:
        table = step.table.split(" ")[0]
        if table in result.counts:
            result.counts[table] += step.rows
    result.seconds = time.perf_counter() - started
    return result
