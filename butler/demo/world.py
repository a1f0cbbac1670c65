"""Demo data: the Beilun transport service window in the second year of its butler service.

``load_demo()`` builds a manager, five butlers and about 120 companies registered over the past
18 months, with their contacts, portal accounts and service periods in every state (in service,
completed, transferred, ended early). Each company gets the vehicles, people and vessels its business
calls for, and its licences at every stage: obtained on time, in preparation, applied, materials
missing (with the company's in-app notice), renewed, renewal due, one or two lapsed, withdrawn or
cancelled when the company closed, and the trips the company made for them. Then the feedback of the
past months: ratings (mostly good; the bad ones with their audit cases at every stage), suggestions from
the portal and recorded by butlers, and two improvement actions, one of which took a material out of
the licence catalogue. Everything goes through the real services, so card numbers, invitations,
licence plans, due dates, audit deadlines and the change history are what the product itself would have
written; the history is dated on the simulated day at a plausible hour. Last, the reminder engine's
sweeps of every past morning are replayed.

The data is deterministic: one ``random.Random(SEED)`` draws a plan of days *before* ``today``, so
two runs plan the same companies and the second run finds them all (by credit code) and creates
nothing; each company's licence story is drawn from a generator seeded with its number. Mobile numbers
are well-formed but random; do not load the demo where SMS is configured.
"""

import heapq
import itertools
import logging
import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.test.utils import override_settings
from django.utils import timezone
from simple_history.signals import pre_create_historical_record

from butler.celery import app as celery_app
from butler.contactlog.services import contact_record, return_visit_complete
from butler.firstvisit.services import first_visit_accept
from butler.licences.services import licence_step
from butler.messaging.services import message_send, thread_read, thread_start
from butler.security import roles
from butler.service.models import Butler, PortalInvitation, ServicePeriod
from butler.service.planning import reminders_reconcile
from butler.service.services import (
    butler_create,
    service_period_end_early,
    service_period_transfer,
    service_periods_complete_due,
)
from companies import workdays
from companies.credit_code import ALPHABET, with_check_character
from companies.models import (
    BusinessType,
    Company,
    CompanyLicence,
    Contact,
    District,
    LicenceChannel,
    LicenceScope,
    LicenceStatus,
    LicenceType,
    Person,
    PersonRole,
    Vehicle,
    VehicleType,
)
from companies.phones import validate_mobile
from companies.services import (
    Registration,
    company_register,
    company_update,
    contact_add,
    licence_add_trip_permit,
    licence_plan_sync,
    licence_statuses_refresh,
    trip_record,
    vessel_add,
)
from reminders.models import Notice, Reminder
from reminders.services import reminders_send_due

SEED = 2026
DEMO_PASSWORD = "butler-demo"  # noqa: S105 - the published demo password
WINDOW_TZ = ZoneInfo("Asia/Shanghai")
STAFF_EMAIL_DOMAIN = "beilun-window.example"
COMPANY_COUNT = 120
WITHOUT_BUTLER = 8  # registered in the last three weeks, not yet at the window
BUTLER5_JOINED_AGO = 125  # days before today; the newest butler takes companies from then on
COMPLETION_TIME = time(0, 17)  # the hourly completion task's first run after midnight
LARGE_FLEETS, MIDDLE_FLEETS = 3, 6  # carriers with 20–40 and with 9–19 vehicles; the others have 2–8

# --- word lists --------------------------------------------------------------------------------------

SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("朱", "zhu"), ("胡", "hu"), ("林", "lin"), ("郑", "zheng"), ("何", "he"), ("罗", "luo"),
    ("谢", "xie"), ("叶", "ye"), ("应", "ying"), ("俞", "yu"), ("邬", "wu"), ("虞", "yu"),
    ("贺", "he"), ("方", "fang"), ("金", "jin"), ("沈", "shen"), ("董", "dong"), ("蒋", "jiang"),
    ("鲍", "bao"), ("乐", "le"), ("竺", "zhu"), ("史", "shi"), ("毛", "mao"),
]  # fmt: skip
GIVEN_NAMES = [
    ("伟", "wei"), ("芳", "fang"), ("敏", "min"), ("静", "jing"), ("磊", "lei"), ("军", "jun"),
    ("勇", "yong"), ("杰", "jie"), ("涛", "tao"), ("超", "chao"), ("斌", "bin"), ("峰", "feng"),
    ("琳", "lin"), ("慧", "hui"), ("建华", "jianhua"), ("国平", "guoping"), ("海燕", "haiyan"),
    ("志强", "zhiqiang"), ("晓东", "xiaodong"), ("雪梅", "xuemei"), ("文斌", "wenbin"), ("立新", "lixin"),
    ("建军", "jianjun"), ("红霞", "hongxia"), ("海波", "haibo"), ("卫国", "weiguo"), ("亚萍", "yaping"),
    ("俊杰", "junjie"), ("佳琪", "jiaqi"), ("宇航", "yuhang"), ("浩然", "haoran"), ("一鸣", "yiming"),
    ("可欣", "kexin"), ("梦婷", "mengting"), ("思远", "siyuan"), ("国庆", "guoqing"), ("春燕", "chunyan"),
    ("永康", "yongkang"), ("伟民", "weimin"), ("丽君", "lijun"),
]  # fmt: skip
TRADE_NAMES = [
    ("顺达", "shunda"), ("港泰", "gangtai"), ("甬通", "yongtong"), ("安达", "anda"), ("恒通", "hengtong"),
    ("宏远", "hongyuan"), ("鑫海", "xinhai"), ("永盛", "yongsheng"), ("华通", "huatong"), ("金港", "jingang"),
    ("远航", "yuanhang"), ("瑞丰", "ruifeng"), ("汇通", "huitong"), ("新港", "xingang"), ("隆兴", "longxing"),
    ("嘉诚", "jiacheng"), ("盛祥", "shengxiang"), ("众诚", "zhongcheng"), ("鼎盛", "dingsheng"),
    ("海天", "haitian"), ("东升", "dongsheng"), ("信达", "xinda"), ("通亚", "tongya"), ("福运", "fuyun"),
    ("久安", "jiuan"), ("宝港", "baogang"), ("联丰", "lianfeng"), ("天港", "tiangang"), ("泰和", "taihe"),
    ("昌盛", "changsheng"), ("甬海", "yonghai"), ("仑港", "lungang"), ("穿山", "chuanshan"),
    ("大榭", "daxie"),
    ("梅港", "meigang"), ("凯达", "kaida"), ("广源", "guangyuan"), ("润通", "runtong"), ("明州", "mingzhou"),
    ("捷运", "jieyun"), ("畅达", "changda"), ("兴甬", "xingyong"), ("海盛", "haisheng"), ("佳运", "jiayun"),
    ("万通", "wantong"), ("长运", "changyun"), ("北港", "beigang"), ("星海", "xinghai"), ("瀚洋", "hanyang"),
    ("蓝海", "lanhai"), ("锦程", "jincheng"), ("凯丰", "kaifeng"), ("禾达", "heda"), ("祥和", "xianghe"),
    ("腾达", "tengda"), ("海联", "hailian"), ("吉运", "jiyun"), ("港城", "gangcheng"), ("振兴", "zhenxing"),
    ("永达", "yongda"), ("宏途", "hongtu"), ("百舸", "baige"), ("正阳", "zhengyang"), ("聚源", "juyuan"),
]  # fmt: skip

# A business profile: its type codes, how many demo companies have it, and name words that fit it.
PROFILES = [
    (("road_freight",), 54, [("物流", "logistics"), ("货运", "freight"), ("运输", "transport"),
                             ("集装箱运输", "container")]),
    (("road_freight", "dangerous_goods"), 12, [("运输", "transport"), ("物流", "logistics"),
                                               ("化工物流", "chem-logistics")]),
    (("dangerous_goods",), 14, [("危险品运输", "hazmat"), ("危险货物运输", "hazmat"), ("化工运输", "chem")]),
    (("passenger",), 7, [("客运", "coach"), ("旅游客运", "tour-coach"), ("汽车客运", "coach")]),
    (("port",), 7, [("港务", "port"), ("码头", "terminal"), ("港口服务", "port-services")]),
    (("waterway",), 6, [("航运", "shipping"), ("海运", "shipping")]),
    (("port", "waterway"), 3, [("港航", "port-shipping")]),
    (("repair",), 11, [("汽车维修", "auto-repair"), ("机动车维修", "auto-repair"),
                       ("汽车服务", "auto-service")]),
    (("driver_training",), 6, [("驾驶员培训", "driving-school"), ("驾驶培训", "driving-school")]),
]  # fmt: skip

NAME_PREFIXES = {
    District.BEILUN: ["宁波", "宁波北仑", "宁波市北仑区", "北仑区"],
    District.ZHENHAI: ["宁波", "宁波镇海"],
    District.YINZHOU: ["宁波", "宁波鄞州"],
}
ADDRESS_AREAS = {
    District.BEILUN: ("宁波市北仑区", {
        "新碶街道": ["明州路", "长江路", "黄山路", "太河路", "泰山路", "华山路", "庐山路", "岷山路"],
        "小港街道": ["红联路", "渡口路", "纬五路", "江南东路"],
        "大碶街道": ["凤洋一路", "高塘路", "灵岩路", "坝头路"],
        "霞浦街道": ["霞浦路", "疏港路"],
        "柴桥街道": ["芦江路", "河头路"],
        "戚家山街道": ["望海路", "宏源路"],
        "春晓街道": ["春晓大道", "滨海路"],
        "梅山街道": ["梅山大道", "七星路"],
    }),
    District.ZHENHAI: ("宁波市镇海区", {"蛟川街道": ["北环东路", "俞范东路"], "招宝山街道": ["沿江东路"]}),
    District.YINZHOU: ("宁波市鄞州区", {"首南街道": ["天童南路", "鄞县大道"], "下应街道": ["海晏北路"]}),
}  # fmt: skip
PRIMARY_POSITIONS = ["经理", "办公室主任", "安全主管", "负责人", "行政主管", "业务经理"]
SECOND_POSITIONS = ["安全主管", "调度主管", "财务", "办公室文员", "车队长"]
MOBILE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "180", "181", "182", "183", "186", "187", "188", "189", "191", "199",
]  # fmt: skip

STAFF = [
    # username, name, window number, office extension, joined (days before today)
    ("butler1", "王丽娜", 3, "1203", 560),
    ("butler2", "张伟", 4, "1204", 560),
    ("butler3", "李静", 5, "1205", 555),
    ("butler4", "刘洋", 6, "1206", 550),
    ("butler5", "周敏", 7, "1207", BUTLER5_JOINED_AGO),
]
MANAGER = ("manager", "陈建国", 565)
# Butlers' shares of first visits before and after butler5 joined.
SHARES_BEFORE = [32, 27, 23, 18, 0]
SHARES_AFTER = [27, 23, 20, 17, 13]

REASON_ROTATION = "原管家岗位调整至综合窗口"
REASON_MOVED = "企业经营地址迁至小港片区，改由就近管家服务"
REASON_LEAVE = "原管家休产假，业务转由同组管家跟进"
REASON_NEWCOMER = "管家工作量调整，由新到岗管家接手"
REASON_DEREGISTERED = "企业已注销"
REASON_LEFT_DISTRICT = "企业整体迁出北仑区"

# Fleets: the total mass (kg) on the vehicle licence, by kind of vehicle; trailers carry a 挂 plate.
MASSES = {
    "truck": [8275, 12495, 16000, 18000, 18000, 25000, 25000, 31000],
    "tractor": [18000, 25000, 25000],
    "trailer": [34000, 39000, 40000, 40000],
    "van": [2990, 3490, 4200, 4490, 4495],  # light vans: no licence for ordinary freight up to 4,500 kg
    "tank_truck": [18000, 25000, 31000],
    "tank_trailer": [36500, 40000],
    "bus": [11000, 12500, 14500, 16500, 18000],
    "training": [1540, 1610, 1655, 1720],
}
VEHICLE_TYPES = {
    "truck": VehicleType.TRUCK,
    "tractor": VehicleType.TRACTOR,
    "trailer": VehicleType.TRAILER,
    "van": VehicleType.VAN,
    "tank_truck": VehicleType.TANKER,
    "tank_trailer": VehicleType.TANKER,
    "bus": VehicleType.BUS,
    "training": VehicleType.TRAINING,
}
TRAILERS = {"trailer", "tank_trailer"}
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, no O
VESSEL_NAMES = [
    "甬顺", "甬兴", "甬港", "仑海", "甬航", "甬达", "甬远", "甬丰", "甬盛", "北仑", "甬运", "浙甬",
]  # fmt: skip
# Business profiles whose only company licence is a filing, which never expires (so it cannot lapse).
FILING_ONLY = {("repair",), ("driver_training",)}

TRIP_APPLY = "提交申请材料"
TRIP_SUPPLEMENT = "补交材料"
TRIP_COLLECT = "领取证件"
TRIP_RENEW = "提交延续申请材料"
NOTE_HELD = "企业已持有该证件，首次服务时登记在册"
NOTE_MISSING = "已一次性告知需补正的材料"
NOTE_SUPPLIED = "材料已补齐"
NOTE_PREPARING = "企业正在准备申请材料"
NOTE_WITHDRAWN = "驾驶员已离职，企业撤回申请"
NOTE_CLOSED = {
    REASON_DEREGISTERED: ("企业已注销，证件依法注销", "企业已注销，撤回申请", "企业已注销，不再办理"),
    REASON_LEFT_DISTRICT: (
        "企业迁出北仑区，证件转迁入地管理",
        "企业迁出北仑区，撤回申请",
        "企业迁出北仑区，不再办理",
    ),
}
OVERSIZE_NOTES = [
    "大件运输：变压器，北仑港区—绍兴上虞",
    "大件运输：风电叶片，大榭—舟山",
    "大件运输：盾构机部件，梅山—杭州",
]

ROAD_LICENCES = ("road_freight_licence", "dangerous_goods_licence", "passenger_licence")
CERTIFICATES = {
    # licence type code: (number before the first one the demo issues, format)
    "road_freight_licence": (100200, "浙交运管许可甬字330206{n:06d}号"),
    "dangerous_goods_licence": (200100, "浙交运管许可甬字330206{n:06d}号"),
    "passenger_licence": (300050, "浙交运管许可甬字330206{n:06d}号"),
    "vehicle_certificate": (10520000, "330206{n:08d}"),
    "driver_qualification": (300000, "甬交从业{year}{n:06d}"),
    "port_licence": (120, "（浙甬）港经证（{n:04d}）号"),
    "waterway_licence": (3100, "浙甬水运许可字第{n:04d}号"),
    "ship_certificate": (206100, "甬船营运证{n:06d}"),
    "repair_filing": (1000, "甬仑维备{year}{n:04d}"),
    "training_filing": (200, "甬仑培备{year}{n:04d}"),
    "oversize_permit": (1000, "浙甬超限{year}{n:05d}"),
}

# --- the plan: pure data drawn from the seeded generator ---------------------------------------------


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


# --- loading: the plan through the services ----------------------------------------------------------


class _HistoryClock:
    """Dates every history record written during the load on the simulated moment, not on the real one.

    While it is open, the services' history records get ``moment``; a period completed by the hourly
    task gets the first hour of its end date, and a licence the daily status refresh moves gets the first
    hour of the day its renewal fell due or it lapsed (never later than ``latest``).
    """

    UID = "butler.demo.world.history-clock"

    def __init__(self) -> None:
        self.moment: datetime | None = None
        self.latest: datetime | None = None

    def __enter__(self) -> "_HistoryClock":
        pre_create_historical_record.connect(self._date, weak=False, dispatch_uid=self.UID)
        return self

    def __exit__(self, *exc_info) -> None:
        pre_create_historical_record.disconnect(dispatch_uid=self.UID)

    def _date(self, sender, history_instance, **kwargs) -> None:
        if self.moment is not None:
            history_instance.history_date = self.moment
        elif sender is CompanyLicence.history.model:
            expires = history_instance.expires_on
            if history_instance.status == LicenceStatus.EXPIRED:
                day = expires + timedelta(days=1)
            elif history_instance.status == LicenceStatus.RENEWAL_DUE and history_instance.renew_by:
                day = history_instance.renew_by - timedelta(days=_renewal_notice_days())
            else:
                return
            moment = _at(day, COMPLETION_TIME)
            history_instance.history_date = min(moment, self.latest) if self.latest else moment
        elif getattr(history_instance, "status", None) == ServicePeriod.Status.COMPLETED:
            history_instance.history_date = _at(history_instance.ended_on, COMPLETION_TIME)


def _at(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at), WINDOW_TZ)


def _minute(day: date, minute: int) -> datetime:
    return _at(day, time(minute // 60, minute % 60))


def _backdate(model: type[models.Model], pks: list[int], **fields) -> None:
    """Set timestamps the services took from the clock, on the rows and on their history."""
    model.objects.filter(pk__in=pks).update(**fields)
    model.history.filter(id__in=pks).update(**fields)


@dataclass
class _Loader:
    plan: Plan
    today: date
    password: str
    counts: Counter = field(default_factory=Counter)
    clock: _HistoryClock = field(default_factory=_HistoryClock)
    manager: object = None
    butlers: list[Butler] = field(default_factory=list)
    types: dict[str, BusinessType] = field(default_factory=dict)
    calendar: workdays.Calendar | None = None
    licence_types: dict[str, LicenceType] = field(default_factory=dict)
    materials: dict[int, list] = field(default_factory=dict)
    serials: dict[str, int] = field(default_factory=dict)
    numbers: random.Random = field(default_factory=lambda: random.Random(SEED + 1))
    vehicle_lapsed: bool = False  # the one vehicle certificate whose expiry has just passed

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
        end_of_today = _at(self.today, time(23, 59))
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
            joined=_at(self.day(joined_ago), time(9, 0)),
            email=f"{username}@{STAFF_EMAIL_DOMAIN}",
        )
        roles.add_role(self.manager, roles.MANAGER)
        # The back office (Django admin) belongs to IT, not to the window's manager.
        self.user(
            "admin",
            "系统管理员",
            joined=_at(self.day(joined_ago), time(8, 45)),
            email=f"admin@{STAFF_EMAIL_DOMAIN}",
            is_staff=True,
            is_superuser=True,
        )
        for (username, name, window, extension, joined_ago), mobile in zip(
            STAFF, self.plan.butler_mobiles, strict=True
        ):
            joined = _at(self.day(joined_ago), time(9, 30))
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
        with _one_calendar(self.calendar):
            while queue:
                moment, _order, _n, action = heapq.heappop(queue)
                self.clock.moment = moment
                for later, order, step in action(moment) or ():
                    heapq.heappush(queue, (later, order, next(sequence), step))
        self.clock.moment = None
        self.counts["completed"] = service_periods_complete_due(today=self.today)
        licence_statuses_refresh(today=self.today)
        if self.counts["companies"]:
            self.backdate_licences(
                [c.credit_code for c in self.plan.companies if c.credit_code not in existing]
            )

    # the contact log

    CONTACTS = [
        ("phone", "电话咨询道路运输证年审需要准备的材料"),
        ("phone", "询问新增车辆办理道路运输证的流程"),
        ("visit", "来窗口咨询从业资格证换证条件"),
        ("wechat", "微信发送卫星定位装置安装证明的要求"),
        ("phone", "提醒企业道路运输经营许可证即将到期"),
        ("on_site", "上门走访，了解企业车辆挂靠整改情况"),
        ("wechat", "答复驾驶员从业资格证异地转入问题"),
        ("visit", "陪同企业办理车辆技术等级评定"),
        ("sms", "短信告知材料已受理"),
        ("email", "发送一次性告知书电子版"),
    ]
    OUTCOMES = [
        "企业已按要求补齐材料",
        "企业表示已清楚办理流程",
        "已办结，企业满意",
        "企业已预约下周来窗口办理",
    ]

    def load_contacts(self) -> None:
        """One to four contacts in each service period, some with a return visit; the return visits of the
        last days are still open (they show on the butler's Today page), the older ones made."""
        rng = random.Random(SEED + 5)
        periods = ServicePeriod.objects.select_related("company", "butler__user").order_by("pk")
        for period in periods:
            end = min(period.ended_on or self.today, self.today)
            span = (end - period.start_date).days
            for _n in range(rng.randint(1, 4) if span > 2 else 0):
                day = period.start_date + timedelta(days=rng.randint(1, span - 1))
                moment = _at(day, time(rng.randint(9, 16), rng.choice((5, 20, 35, 50))))
                channel, summary = rng.choice(self.CONTACTS)
                revisit = rng.random() < 0.3
                self.clock.moment = moment
                record = contact_record(
                    actor=period.butler.user,
                    company=period.company,
                    channel=channel,
                    summary=summary,
                    occurred_at=moment,
                    return_visit_in=rng.randint(2, 5) if revisit else None,
                )
                if record.return_visit_due and record.return_visit_due < self.today - timedelta(days=2):
                    done = _at(record.return_visit_due, time(15, rng.randint(0, 59)))
                    self.clock.moment = done
                    return_visit_complete(
                        actor=period.butler.user,
                        record=record,
                        outcome=rng.choice(self.OUTCOMES),
                        done_at=done,
                    )
                self.counts["contact_records"] += 1
        self.clock.moment = None
        self.load_messages(rng)

    QUESTIONS = [
        (
            "营业执照照片",
            "管家您好，营业执照照片这样拍可以吗？",
            "可以的，照片清晰。下周一带原件到窗口即可。",
        ),
        (
            "道路运输证年审",
            "我们有两辆车下个月年审，需要提前预约吗？",
            "不需要预约，带行驶证和技术等级评定结论来窗口办理即可。",
        ),
        (
            "驾驶员从业资格证",
            "新招的驾驶员从业资格证是外省的，需要转入吗？",
            "需要办理转籍，我把材料清单发您，备齐后一次办结。",
        ),
        (
            "卫星定位装置",
            "新车的卫星定位装置安装证明在哪里开？",
            "由安装单位出具，盖章后上传或带来窗口都可以。",
        ),
        (
            "经营范围变更",
            "想增加危险货物运输，需要准备什么？",
            "涉及专用车辆和安全员配备，我明天电话和您详细说。",
        ),
    ]

    def load_messages(self, rng: random.Random) -> None:
        """A dozen companies wrote to their butler in the last weeks; most have their answer, the newest
        wait for one (they show on the butler's Today page)."""
        periods = [
            period
            for period in ServicePeriod.objects.active()
            .select_related("company", "butler__user")
            .order_by("pk")
            if period.company.contacts.filter(user__isnull=False).exists()
        ]
        for n, period in enumerate(rng.sample(periods, min(12, len(periods)))):
            contact = period.company.contacts.filter(user__isnull=False).first()
            subject, question, answer = rng.choice(self.QUESTIONS)
            asked = _at(
                self.day(rng.randint(1, 20) if n >= 3 else 0), time(rng.randint(9, 15), rng.randint(0, 59))
            )
            asked = min(asked, self.latest() - timedelta(minutes=5))
            self.clock.moment = asked
            thread = thread_start(
                actor=contact.user, company=period.company, subject=subject, body=question, now=asked
            )
            if n >= 3:
                answered = asked + timedelta(minutes=rng.randint(20, 240))
                answered = min(answered, self.latest() - timedelta(minutes=1))
                self.clock.moment = answered
                thread_read(actor=period.butler.user, thread=thread, now=answered)
                message_send(actor=period.butler.user, thread=thread, body=answer, now=answered)
                thread_read(actor=contact.user, thread=thread, now=answered + timedelta(hours=1))
            for message in thread.messages.all():
                notices = Notice.objects.filter(key=f"message-{message.pk}")
                ids = list(notices.values_list("pk", flat=True))
                read = message.created_at + timedelta(hours=1) if n >= 3 else None
                notices.update(created_at=message.created_at, read_at=read)
                Notice.history.filter(id__in=ids).update(
                    history_date=message.created_at, created_at=message.created_at
                )
            self.counts["message_threads"] += 1
        self.clock.moment = None

    # reminders

    def load_reminders(self) -> None:
        """The reminder engine's past: every reminder planned from the data, then the sweeps of every
        morning before today replayed by the engine itself, so that what was due went out when it was due
        (in-app notices dated then, those older than three days read; contacts without an e-mail address
        show as failed). Today's reminders are left to the running product."""
        reminders_reconcile()
        start_of_today = _at(self.today, time(0))
        # An audit step taken in the afternoon plans the next step's reminder for nine that morning: the
        # running engine sends it at its next sweep, so the replay sends it when the step was taken.
        Reminder.objects.filter(
            subject__startswith="case:",
            status=Reminder.Status.PENDING,
            created_at__lt=start_of_today,
            created_at__gt=models.F("scheduled_at"),
        ).update(scheduled_at=models.F("created_at"))
        past = Reminder.objects.filter(status=Reminder.Status.PENDING, scheduled_at__lt=start_of_today)
        with _quiet_loggers("reminders"):
            while (
                first := past.order_by("scheduled_at").values_list("scheduled_at", flat=True).first()
            ) is not None:
                moment = first + timedelta(minutes=1)
                self.clock.moment = moment
                reminders_send_due(now=moment)
        self.clock.moment = None
        sent = Reminder.objects.filter(status=Reminder.Status.SENT, sent_at__lt=start_of_today)
        read_before = start_of_today - timedelta(days=3)
        for key, recipient, sent_at in sent.filter(channel="in_app").values_list(
            "message__key", "recipient", "sent_at"
        ):
            Notice.objects.filter(recipient_id=recipient, key=key).update(
                created_at=sent_at, read_at=sent_at + timedelta(hours=2) if sent_at < read_before else None
            )
        self.counts["reminders_sent"] = sent.count()
        self.counts["reminders_failed"] = Reminder.objects.filter(status=Reminder.Status.FAILED).count()

    def events_for(self, plan: CompanyPlan) -> list[tuple[datetime, int, Callable[[datetime], None]]]:
        """The company's dated steps; each is a function of its moment and shares ``state``."""
        state: dict = {}
        registered = self.day(plan.registered_ago)
        at_registration = _minute(registered, plan.registered_minute)
        events = [(at_registration, 0, lambda m: self.register(plan, state, m))]
        if plan.butler is None:
            events.append(
                (at_registration + timedelta(hours=3), 1, lambda m: self.portal_account(plan, state, m))
            )
            events.append((at_registration + timedelta(minutes=30), 1, lambda m: self.fleet(plan, state, m)))
            return events
        visited = max(self.day(plan.visit_ago), registered)
        at_visit = _minute(visited, plan.visit_minute)
        if at_visit <= at_registration:
            at_visit = at_registration + timedelta(minutes=25)
        events.append((at_visit, 1, lambda m: self.first_visit(plan, state, m)))
        # At the first visit the butler records the fleet and staff, and plans the company's licences.
        events.append((at_visit + timedelta(minutes=10), 1, lambda m: self.fleet(plan, state, m)))
        if plan.oversize_ago:
            at_permit = _minute(self.day(plan.oversize_ago), plan.oversize_minute)  # weeks after the visit
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
                moment = _minute(self.day(change.ago), change.minute)
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
        _backdate(Company, [company.pk], created_at=moment)
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
        _backdate(ServicePeriod, [visit.period.pk], created_at=moment)
        invitations = list(
            PortalInvitation.objects.filter(contact__company=state["company"]).values_list("pk", flat=True)
        )
        expires = moment + timedelta(days=settings.BUTLER_INVITATION_DAYS)
        _backdate(PortalInvitation, invitations, created_at=moment, expires_at=expires)
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
        _backdate(ServicePeriod, [state["period"].pk], created_at=moment)
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

    # fleets and licences

    def butler_at(self, plan: CompanyPlan, moment: datetime):
        """The user of the butler in charge of the company at ``moment``."""
        if plan.transfer is not None and moment >= _minute(self.day(plan.transfer.ago), plan.transfer.minute):
            return self.butlers[plan.transfer.to_butler].user
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

    def licence_step(self, chain: "_Chain", to: str, details: dict, moment: datetime) -> None:
        details = {"on": moment.date(), **details}
        if to == LicenceStatus.ISSUED and not details.get("certificate_number"):
            chain.number = chain.number or self.certificate(chain.licence.licence_type, details["on"])
            details["certificate_number"] = chain.number
        chain.licence = licence_step(
            actor=self.butler_at(chain.story.plan, moment), licence=chain.licence, to=to, **details
        )
        if to == LicenceStatus.MATERIALS_MISSING:
            notices = Notice.objects.filter(key__startswith=f"missing:{chain.licence.pk}:")
            _backdate(Notice, list(notices.values_list("pk", flat=True)), created_at=moment)

    def trip(self, chain: "_Chain", purpose: str, moment: datetime) -> None:
        actor = self.butler_at(chain.story.plan, moment)
        trip_record(actor=actor, licence=chain.licence, on=moment.date(), purpose=purpose)
        self.counts["trips"] += 1

    def certificate(self, licence_type: LicenceType, on: date) -> str:
        """The next certificate number of its kind (no identity numbers: the product keeps none)."""
        code = licence_type.code
        first, pattern = CERTIFICATES.get(code, (1, code.upper() + "-{year}-{n:05d}"))
        number = self.serials.get(code, first) + self.numbers.randint(1, 9)
        self.serials[code] = number
        return pattern.format(n=number, year=on.year)

    def oversize(self, plan: CompanyPlan, state: dict, moment: datetime) -> None:
        """A per-trip oversize permit, decided on the spot within half an hour."""
        kind = self.licence_types.get("oversize_permit")
        if kind is None:
            return
        rng = random.Random(SEED * 1000 + plan.number + 500)
        actor = self.butler_at(plan, moment)
        licence = licence_add_trip_permit(
            actor=actor, company=state["company"], licence_type=kind, note=rng.choice(OVERSIZE_NOTES)
        )
        at_window = rng.random() < 0.5
        channel = LicenceChannel.WINDOW if at_window else LicenceChannel.ONLINE
        licence = licence_step(
            actor=actor, licence=licence, to=LicenceStatus.APPLIED, on=moment.date(), channel=channel
        )
        if at_window:
            trip_record(actor=actor, licence=licence, on=moment.date(), purpose=TRIP_APPLY)
            self.counts["trips"] += 1
        self.clock.moment = moment + timedelta(minutes=rng.randint(12, 28))
        licence_step(
            actor=actor,
            licence=licence,
            to=LicenceStatus.ISSUED,
            on=moment.date(),
            certificate_number=self.certificate(kind, moment.date()),
        )

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

    def step(self, day: date, to: str, *, trip: str = "", force: bool = False, **details) -> datetime | None:
        """Plan the step on ``day`` (with a trip the company made for it); ``None`` when it falls past the
        horizon, which ends the chain. ``force``: a closing step after the company's last day."""
        if not self.open and not force:
            return None
        story = self.story
        moment = story.moment(day, after=self.last)
        if moment > (story.loader.latest() if force else story.horizon):
            self.open = False
            return None
        loader = story.loader
        story.events.append((moment, 4, partial(loader.licence_step, self, to, details)))
        if trip:
            story.events.append((moment, 5, partial(loader.trip, self, trip)))
        self.status, self.last = to, moment
        return moment


class _LicenceStory:
    """A company's licences from its first visit on: what it held already, what it applied for and when,
    what was missing, what it renewed, and how it closed, as dated steps through the real services."""

    def __init__(self, loader: _Loader, plan: CompanyPlan, company: Company, moment: datetime) -> None:
        self.loader, self.plan = loader, plan
        self.rng = random.Random(SEED * 1000 + plan.number)
        self.start = moment
        self.visit = moment.date()
        self.today = loader.today
        self.events: list = []
        self.horizon = loader.latest()
        self.closing: datetime | None = None
        if plan.end_early is not None:
            self.closing = _minute(loader.day(plan.end_early.ago), plan.end_early.minute)
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
        moment = _minute(day, minute)
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
        batch_channel = ""
        for chain in by_scope.get(LicenceScope.VEHICLE, []):
            if self.plan.established:
                self.held(chain, self.expiry_of_held(chain.kind, least=15))
            elif road_gate is None:
                if rng.random() < 0.5:  # waiting for the business licence
                    day = self.add(self.visit, rng.randint(1, 10))
                    chain.step(day, LicenceStatus.IN_PREPARATION, note=NOTE_PREPARING)
            else:
                chain.last = max(chain.last, road_gate)
                batch_channel = batch_channel or self.channel(chain.kind)
                if rng.random() < 0.2:  # a vehicle that joined the fleet a little later
                    self.obtain(chain, self.add(batch, rng.randint(1, 8)), missing=0.03, prepare=0)
                else:
                    self.obtain(chain, batch, channel=batch_channel, missing=0.03, prepare=0)
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
            chain.step(
                day, LicenceStatus.APPLIED, channel=channel, trip=TRIP_APPLY if channel == "window" else ""
            )
            if special == "materials_pending":  # noted, and the company has not sent them yet
                self.missing(chain, max(self.add(day, rng.randint(0, 2)), self.add(self.visit, 2)))
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
        applied = chain.step(day, LicenceStatus.APPLIED, channel=channel, trip=TRIP_APPLY if window else "")
        if applied is None:
            return None
        if rng.random() < withdraw:  # the driver left before the examination
            chain.step(self.add(day, rng.randint(1, 5)), LicenceStatus.WITHDRAWN, note=NOTE_WITHDRAWN)
            return None
        complete = day
        if rng.random() < missing and self.loader.materials.get(kind.pk):
            # Noted a day or two after acceptance at the latest, when the portal account exists.
            noted = self.missing(chain, max(self.add(day, rng.randint(0, 2)), self.add(self.visit, 2)))
            complete = self.add(noted, rng.randint(1, 8))
            in_person = window or rng.random() < 0.3
            chain.step(
                complete, LicenceStatus.APPLIED, note=NOTE_SUPPLIED, trip=TRIP_SUPPLEMENT if in_person else ""
            )
        committed = kind.committed_limit_days or 1
        if kind.on_the_spot and complete == day and rng.random() < 0.85:
            issue = day
        elif rng.random() < 0.07:
            issue = self.add(day, committed + rng.randint(2, 10))  # past the committed limit
        else:
            issue = self.add(complete, rng.randint(1, committed))
        issue = max(issue, complete)
        collect = rng.random() < (0.4 if window else 0.1) and issue != day
        moment = chain.step(issue, LicenceStatus.ISSUED, trip=TRIP_COLLECT if collect else "")
        if moment is not None and kind.validity_months:
            self.renew(chain, self.expiry(kind, issue))
        return moment

    def missing(self, chain: _Chain, noted: date) -> date:
        """One complete notice of the missing materials (the company sees it in the portal)."""
        materials = self.loader.materials[chain.kind.pk]
        chosen = self.rng.sample(materials, self.rng.randint(1, min(2, len(materials))))
        chain.step(noted, LicenceStatus.MATERIALS_MISSING, materials=chosen, note=NOTE_MISSING)
        return noted

    def renew(self, chain: _Chain, expires: date, applied: date | None = None) -> None:
        """Apply for renewal once the reminders start, mostly before the last day to apply, as long as the
        story lasts; the certificate keeps its number and gets the next term. ``applied``: the date."""
        rng, kind = self.rng, chain.kind
        loader = self.loader
        while chain.open:
            renew_by = expires - timedelta(days=kind.renew_days_before)
            if applied is None:
                reminded = renew_by - timedelta(days=_renewal_notice_days())
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
            trip = TRIP_RENEW if channel == LicenceChannel.WINDOW else ""
            if chain.step(applied, LicenceStatus.RENEWAL_APPLIED, channel=channel, trip=trip) is None:
                return
            committed = kind.committed_limit_days or 1
            spot = kind.on_the_spot and rng.random() < 0.85
            issue = applied if spot else self.add(applied, rng.randint(1, committed))
            expires += relativedelta(months=kind.validity_months)
            trip = TRIP_COLLECT if issue != applied and rng.random() < (0.3 if trip else 0.05) else ""
            if chain.step(issue, LicenceStatus.ISSUED, expires_on=expires, trip=trip) is None:
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
            S.MATERIALS_MISSING: (S.WITHDRAWN, withdrawn),
            S.REQUIRED: (S.NOT_REQUIRED, dropped),
            S.IN_PREPARATION: (S.NOT_REQUIRED, dropped),
        }
        for chain in self.chains:
            if chain.status in closing:
                to, note = closing[chain.status]
                chain.last = max(chain.last, self.closing + timedelta(minutes=5))
                chain.step(self.closing.date(), to, force=True, note=note)


def _renewal_notice_days() -> int:
    """How long before the last day to apply for renewal the refresh marks a licence "renewal due"."""
    return getattr(settings, "BUTLER_RENEWAL_NOTICE_DAYS", 30)


COUNT_KEYS = (
    "users",
    "butlers",
    "companies",
    "contacts",
    "portal_accounts",
    "service_periods",
    "invitations",
    "transfers",
    "ended_early",
    "completed",
    "suspended",
    "vehicles",
    "people",
    "vessels",
    "licences",
    "trips",
    "contact_records",
    "message_threads",
    "ratings",
    "bad_ratings",
    "suggestions",
    "cases_open",
    "cases_closed",
    "improvements",
    "reminders_sent",
    "reminders_failed",
)


@contextmanager
def _one_calendar(calendar: workdays.Calendar) -> Iterator[None]:
    """Count the licences' due dates on one calendar loaded once, not on one built per call.

    The answers are the same (a calendar's results do not depend on the years it was loaded for); only
    the holiday package's work and the two queries per due date are saved, a few seconds of the load.
    """
    original = workdays.add_working_days
    workdays.add_working_days = calendar.add
    try:
        yield
    finally:
        workdays.add_working_days = original


@contextmanager
def _quiet_loggers(*names: str) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def load_demo(*, today: date | None = None, stdout=None) -> dict[str, int]:
    """Load the demo district once; a second call finds everything in place and creates nothing.

    The transfers queue an e-mail to the company after commit. Those transfers happened months ago
    in the story, so the load runs Celery tasks eagerly in this process (no broker or worker needed,
    their log lines kept off the console) and hands their mail to Django's dummy backend, which drops it.
    The load keeps no query log (as with DEBUG off): it runs some hundred thousand queries.
    """
    today = today or timezone.localdate()
    loader = _Loader(plan=build_plan(random.Random(SEED)), today=today, password=make_password(DEMO_PASSWORD))
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend", DEBUG=False),
            _quiet_loggers("celery", "kombu"),
            transaction.atomic(),
            loader.clock,
        ):
            loader.load_staff()
            loader.load_companies()
            if loader.counts["companies"]:
                loader.load_contacts()
                # butler.demo.feedback imports this module's helpers and _Loader: the story is looked up here.
                from butler.demo.feedback import FeedbackStory

                FeedbackStory(loader).tell()
                loader.load_reminders()
    finally:
        celery_app.conf.task_always_eager = was_eager
    counts = {key: loader.counts[key] for key in COUNT_KEYS}
    if stdout is not None:
        stdout.write(summary(counts))
    return counts


def summary(counts: dict[str, int]) -> str:
    if not any(counts.values()):
        return "Demo data already loaded; nothing to create."
    return "Demo data loaded: " + ", ".join(f"{counts[key]} {key.replace('_', ' ')}" for key in COUNT_KEYS)
