"""The demo district's tables: names, trade names and business profiles, addresses, staff, the reasons for
transfers and early ends, fleets, certificate numbers, the notes on licences, what the contact log and the
messages say, and the counts the load reports. Plain data, no code: ``butler.demo.plan`` draws from it, the
loader writes it through the services, and the volume generator reuses the names.
"""

from datetime import time
from zoneinfo import ZoneInfo

from companies.models import District, VehicleType

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

# Why a material is asked for again, as a butler writes it on the notice.
REASONS = ["复印件不清晰", "未加盖公章", "已过有效期", "签字页缺失", "与原件不一致"]
NOTE_REFUSED = "经审查，停车场地面积及安全设施不符合许可条件，不予许可。可在条件具备后重新申请。"
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
AUTHORISATION = "授权委托书（法定代表人签字，存窗口档）"
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
    "oversize_permit_class1": (1000, "浙甬超限{year}{n:05d}"),
}

# --- the contact log and the messages ---------------------------------------------------------------

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

# --- what the load reports ---------------------------------------------------------------------------

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
    "obligations",
    "contact_records",
    "message_threads",
    "ratings",
    "bad_ratings",
    "suggestions",
    "cases_open",
    "cases_closed",
    "improvements",
    "consultations",
    "materials_shared",
    "reminders_sent",
    "reminders_failed",
)
