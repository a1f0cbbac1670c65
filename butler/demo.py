"""Demo data: the Beilun transport service window in the second year of its butler service.

``load_demo()`` builds a manager, five butlers and about 120 companies registered over the past
18 months, with their contacts, portal accounts and service periods in every state (in service,
completed, transferred, ended early). Everything goes through the real services, so card numbers,
invitations and the change history are what the product itself would have written; afterwards the
history is moved back to the simulated day at a plausible office hour.

The data is deterministic: one ``random.Random(SEED)`` draws a plan of days *before* ``today``, so
two runs plan the same companies and the second run finds them all (by credit code) and creates
nothing. Mobile numbers are well-formed but random; do not load the demo where SMS is configured.
"""

import logging
import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.test.utils import override_settings
from django.utils import timezone
from simple_history.signals import pre_create_historical_record

from butler import roles, services
from butler.celery import app as celery_app
from butler.models import Butler, PortalInvitation, ServicePeriod
from companies.credit_code import ALPHABET, with_check_character
from companies.models import BusinessType, Company, Contact, District
from companies.phones import validate_mobile
from companies.services import Registration, company_register, company_update, contact_add

SEED = 2026
DEMO_PASSWORD = "butler-demo"  # noqa: S105 - the published demo password
WINDOW_TZ = ZoneInfo("Asia/Shanghai")
STAFF_EMAIL_DOMAIN = "beilun-window.example"
COMPANY_COUNT = 120
WITHOUT_BUTLER = 8  # registered in the last three weeks, not yet at the window
BUTLER5_JOINED_AGO = 125  # days before today; the newest butler takes companies from then on
COMPLETION_TIME = time(0, 17)  # the hourly completion task's first run after midnight

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


# --- loading: the plan through the services ----------------------------------------------------------


class _HistoryClock:
    """Dates every history record written during the load on the simulated moment, not on the real one.

    While it is open, the services' history records get ``moment``; a period completed by the hourly
    task gets the first hour of its end date.
    """

    UID = "butler.demo.history-clock"

    def __init__(self) -> None:
        self.moment: datetime | None = None

    def __enter__(self) -> "_HistoryClock":
        pre_create_historical_record.connect(self._date, weak=False, dispatch_uid=self.UID)
        return self

    def __exit__(self, *exc_info) -> None:
        pre_create_historical_record.disconnect(dispatch_uid=self.UID)

    def _date(self, sender, history_instance, **kwargs) -> None:
        if self.moment is not None:
            history_instance.history_date = self.moment
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
                butler = services.butler_create(
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
        codes = [c.credit_code for c in self.plan.companies]
        existing = set(Company.objects.filter(credit_code__in=codes).values_list("credit_code", flat=True))
        events = []
        for company in self.plan.companies:
            if company.credit_code not in existing:
                events.extend(self.events_for(company))
        for moment, _order, action in sorted(events, key=lambda e: e[:2]):
            self.clock.moment = moment
            action(moment)
        self.clock.moment = None
        self.counts["completed"] = services.service_periods_complete_due(today=self.today)

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
            return events
        visited = max(self.day(plan.visit_ago), registered)
        at_visit = _minute(visited, plan.visit_minute)
        if at_visit <= at_registration:
            at_visit = at_registration + timedelta(minutes=25)
        events.append((at_visit, 1, lambda m: self.first_visit(plan, state, m)))
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
        visit = services.first_visit_accept(
            actor=butler.user, company_id=state["company"].pk, today=moment.date()
        )
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
        state["period"] = services.service_period_transfer(
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
        services.service_period_end_early(
            actor=self.manager, period=state["period"], reason=change.reason, today=moment.date()
        )
        if change.reason == REASON_DEREGISTERED:
            company_update(actor=self.manager, company=state["company"], status=Company.Status.DEREGISTERED)
        self.counts["ended_early"] += 1

    def suspend(self, plan: CompanyPlan, state: dict, change: ChangePlan, moment: datetime) -> None:
        company_update(actor=self.actor(plan), company=state["company"], status=Company.Status.SUSPENDED)
        self.counts["suspended"] += 1


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
)


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
    """
    today = today or timezone.localdate()
    loader = _Loader(plan=build_plan(random.Random(SEED)), today=today, password=make_password(DEMO_PASSWORD))
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            _quiet_loggers("celery", "kombu"),
            transaction.atomic(),
            loader.clock,
        ):
            loader.load_staff()
            loader.load_companies()
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
