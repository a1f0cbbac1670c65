"""The volume generator's tables: its seed and sizes, Zhejiang's cities with their counties, plate letters,
area codes and weights, roads, trade-name syllables, the shares of the business profiles, and what the
ratings, suggestions and audit cases say. Plain data, no code; the names, fleets, contact log and messages
come from the demo district's tables (``butler.demo.data``).
"""

SEED = 7
SERVICE_DAYS = 180
HISTORY_DAYS = 540  # service periods started over the last 18 months: one third still active
BUSY_PORTFOLIO = 300  # the first butler's companies in service (the benchmark's Today page)
BIG_FLEET = (300, 120, 200, 60, 3)  # company 1: vehicles, of which tankers; drivers, escorts, loaders
COMPANIES_PER_BUTLER = 500
PORTAL_SHARE = 0.6
MANAGER = ("manager", "陈建国")


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
# Business profiles: type codes and share of companies (per thousand); their name words are the demo's.
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
