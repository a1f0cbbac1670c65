"""The demo's feedback as tables: the shares and words of the good ratings, the eleven bad ratings with how
far each one's audit case has come, the suggestions with their cases and the improvement actions they feed,
and the catalogue material the window trimmed. Plain data (and the record types it is written in);
``butler.demo.feedback`` tells it through the feedback services.
"""

from dataclasses import dataclass

from butler.feedback.models import AuditCase, Rating, Suggestion

VERIFY, CLASSIFY, REVIEW, RECTIFY, RETURN_VISIT, CLOSE = (
    AuditCase.Step.VERIFY,
    AuditCase.Step.CLASSIFY,
    AuditCase.Step.REVIEW,
    AuditCase.Step.RECTIFY,
    AuditCase.Step.RETURN_VISIT,
    AuditCase.Step.CLOSE,
)
VALID, EXPLAINED, MISTAKEN, MALICIOUS = (
    AuditCase.Finding.VALID,
    AuditCase.Finding.EXPLAINED,
    AuditCase.Finding.MISTAKEN,
    AuditCase.Finding.MALICIOUS,
)
SATISFIED, BASIC = "4", "3"  # the rater's re-rating (追评) after the report back, in stars
UPHELD = "upheld"  # the reviewer's decision on a dispute
MATTER, PERIOD, BUTLER = Rating.Kind.MATTER, Rating.Kind.PERIOD, Rating.Kind.BUTLER
PORTAL, RECORDED = Suggestion.Source.PORTAL, Suggestion.Source.BUTLER
C = Suggestion.Category

# Good ratings of each kind (of those rateable); their stars in these shares, so that with the eleven bad ones
# about 75 % are ★5, 11 % ★4 and 4 % ★3.
GOOD_RATINGS = {MATTER: 38, PERIOD: 21, BUTLER: 26}
GOOD_STARS = ((4, 0.12), (3, 0.05))
RATING_LATELY_DAYS = 100  # what was rateable in these last days is sampled four times as often
COMMENTS = {
    5: [
        "材料一次性告知，很清楚",
        "管家提前提醒，一次就办好了",
        "网上申请，当天就批下来了",
        "服务热情，解释很耐心",
        "一趟都没跑，证件寄到了公司",
        "微信咨询回复很及时",
        "流程清楚，效率高",
        "管家业务熟练，点赞",
    ],
    4: [
        "整体满意，排队时间稍长",
        "办得挺快，材料还可以再精简",
        "服务不错，就是电话有时占线",
        "比以前方便多了",
    ],
    3: ["等待时间偏长", "材料准备花了不少时间", "基本满意，流程还可以再简化"],
}
# Visits to the window rated on the spot (a QR code at the counter), in the last three months.
ON_SITE_DAYS, ON_SITE_RATINGS = 90, 8
ON_SITE_COMMENTS = {5: ["", "窗口一次办好", "材料审核很快", ""], 4: ["", "等候稍久"]}
PERIOD_COMMENTS = ["半年来证件一个都没耽误，谢谢管家", "服务期内提醒很及时", "有问题随时能找到人，很放心"]
BUTLER_COMMENTS = ["管家很负责，有问题随时能找到人", "管家解答很专业", "管家主动上门指导，很贴心"]
SLOW_COMMENTS = ["跑了两趟，希望能网上办", "比承诺的时间晚了几天", "材料来回改了两次"]

# The catalogue entry the window trimmed after two suggestions, and the materials it would rather drop.
TRIMMED_TYPE = "dangerous_goods_licence"
TRIMMED_MATERIALS = ("类别、项别说明", "承诺书")
MATERIAL_IMPROVEMENT, WAITING_IMPROVEMENT = "materials", "waiting"


@dataclass(frozen=True)
class CaseStep:
    """A step of an audit case, ``after`` working days after the feedback (0: later the same day)."""

    step: str
    after: int
    text: str = (
        ""  # what the call heard, the finding's reason, the rectification, the visit's or closing note
    )
    value: str = ""  # the finding (classify), the reviewer's decision, or the rater's re-rating (report back)


@dataclass(frozen=True)
class BadRating:
    """A bad rating ``ago`` working days before today, and how far its case has come."""

    ago: int
    minute: int
    stars: int
    kinds: tuple[str, ...]  # what is rated, by preference
    comment: str
    dimensions: tuple  # efficiency, service level, attitude; None: not given
    steps: tuple[CaseStep, ...] = ()
    tags: tuple[str, ...] = ()  # the evaluation tags ticked, by their Chinese names


@dataclass(frozen=True)
class SuggestionPlan:
    ago: int
    minute: int
    category: str
    source: str
    text: str  # may name the {licence} type and a {material} of it
    licence_code: str = ""
    steps: tuple[CaseStep, ...] = ()
    improvement: str = ""  # the improvement action it is linked to


BAD_RATINGS = [
    # Rated last evening: to verify.
    BadRating(1, 20 * 60 + 35, 2, (MATTER, BUTLER), "跑了两趟，希望能网上办", (1, 3, 4), tags=("多次跑动",)),
    # Called back: to classify.
    BadRating(2, 16 * 60 + 50, 2, (BUTLER,), "电话咨询时没说清楚，材料带错又跑了一趟", (2, 2, 3), (
        CaseStep(VERIFY, 1, "企业反映电话咨询时未被告知需带原件；管家称已告知，需调取通话记录核实"),
    )),
    # Valid, being put right in time.
    BadRating(6, 11 * 60 + 5, 2, (MATTER, BUTLER), "承诺五个工作日办结，实际拖了两个星期", (1, 3, 3), (
        CaseStep(VERIFY, 1, "企业反映许可办理超出承诺时限；经查系材料流转环节积压，情况属实"),
        CaseStep(CLASSIFY, 2, value=VALID),
    )),
    # Valid, and its rectification overdue: the deadline at risk on the manager's dashboard.
    BadRating(18, 21 * 60 + 15, 1, (PERIOD, BUTLER), "服务期内管家只联系过一次，到期也没提醒", (2, 1, 2), (
        CaseStep(VERIFY, 1, "企业反映服务期内仅接到一次电话；经查联系记录，主动联系次数确实偏少"),
        CaseStep(CLASSIFY, 3, value=VALID),
    )),
    # Put right: the return visit is due.
    BadRating(12, 14 * 60 + 25, 2, (MATTER, BUTLER), "材料要求前后说法不一致，多跑了一趟", (2, 2, 4), (
        CaseStep(VERIFY, 0, "企业反映首次告知漏了一项材料；经核实一次性告知书确有遗漏，情况属实"),
        CaseStep(CLASSIFY, 2, value=VALID),
        CaseStep(RECTIFY, 9, "已向企业致歉；修订该事项一次性告知书，组织管家逐项学习材料清单"),
    )),
    # Mistaken: disputed, with the reviewer.
    BadRating(3, 19 * 60 + 40, 1, (BUTLER,), "管家很负责，辛苦了", (None, None, None), (
        CaseStep(VERIFY, 1, "回访企业经办人，对方表示对管家服务很满意，本想点五星，手机上误点成了一星"),
        CaseStep(CLASSIFY, 2, "企业确认为误操作，申请按误评剔除", MISTAKEN),
    )),
    # Malicious: closed.
    BadRating(45, 22 * 60 + 5, 1, (BUTLER,), "管家故意刁难，什么都办不成", (1, 1, 1), (
        CaseStep(VERIFY, 1, "企业称申请被退回是管家刁难；经查申请不符合法定受理条件，管家已出具告知书"),
        CaseStep(
            CLASSIFY,
            3,
            "申请不符合法定条件被依法退回，企业以差评施压；调阅记录，管家依规办理、告知完整，无过错。"
            "认定为恶意差评，按规定申请剔除",
            MALICIOUS,
        ),
        CaseStep(
            REVIEW, 4, "调阅受理记录和告知书，申请确不符合法定条件，评价内容与事实不符，同意剔除", UPHELD
        ),
        CaseStep(CLOSE, 5, "复核认定为恶意差评，核查记录存档"),
    )),
    # Closed: put right, the company satisfied.
    BadRating(70, 15 * 60 + 30, 2, (PERIOD, BUTLER), "窗口等候时间太长，叫号系统经常出问题", (1, 2, 3), (
        CaseStep(VERIFY, 1, "企业反映月初窗口等候超过一小时；经查当月叫号系统故障两次，情况属实"),
        CaseStep(CLASSIFY, 2, value=VALID),
        CaseStep(RECTIFY, 10, "叫号系统已更换，增加故障时人工叫号预案；高峰时段增派一名管家"),
        CaseStep(RETURN_VISIT, 12, "企业表示近期来办事等候明显缩短", SATISFIED),
        CaseStep(CLOSE, 13, "整改完成，企业追评满意，结案"),
    )),
    # Closed, basically satisfied; called back two days late.
    BadRating(120, 10 * 60 + 15, 2, (MATTER, BUTLER), "材料清单和网上公布的不一致，白准备了", (2, 2, 3), (
        CaseStep(VERIFY, 3, "企业反映网上办事指南的材料清单未及时更新；经查确未同步更新，情况属实"),
        CaseStep(CLASSIFY, 4, value=VALID),
        CaseStep(RECTIFY, 12, "已更新网上办事指南，建立材料清单变更当日同步核对机制"),
        CaseStep(RETURN_VISIT, 14, "企业表示基本满意，希望指南更新更及时", BASIC),
        CaseStep(CLOSE, 16, "整改完成，企业追评基本满意，结案"),
    )),
    # Closed after an explanation; reported back two days late.
    BadRating(30, 20 * 60 + 50, 2, (MATTER, BUTLER), "审批太慢了，等了快三个星期", (1, 3, 4), (
        CaseStep(VERIFY, 1, "企业认为办理时间过长；经查该许可在法定时限内办结"),
        CaseStep(CLASSIFY, 2, "在法定时限内办结，企业对承诺时限理解有误；已作说明，不属服务过错", EXPLAINED),
        CaseStep(RETURN_VISIT, 9, "已向企业说明法定时限和承诺时限，企业表示理解", BASIC),
        CaseStep(CLOSE, 10, "已解释并反馈，结案"),
    )),
    # Explained and reported back yesterday, re-rated: for the manager to close.
    BadRating(5, 10 * 60 + 20, 2, (MATTER, BUTLER), "网上申报上传材料总是失败", (2, 3, 3), (
        CaseStep(VERIFY, 1, "企业反映网上申报上传附件失败；经查系省级平台故障，当日已修复"),
        CaseStep(CLASSIFY, 2, "省级平台故障，已协调修复，不属窗口服务过错", EXPLAINED),
        CaseStep(RETURN_VISIT, 4, "已告知企业平台已修复及附件格式要求", SATISFIED),
    ), tags=("网上办理不顺畅",)),
]  # fmt: skip

SUGGESTIONS = [
    SuggestionPlan(
        70, 10 * 60 + 40, C.MATERIALS, PORTAL,
        "办理{licence}时，「{material}」的内容申请表里基本都有，还要单独再交一份，建议合并或取消。",
        TRIMMED_TYPE,
        (
            CaseStep(VERIFY, 1, "企业反映该项材料与申请表内容重复；经核对属实"),
            CaseStep(CLASSIFY, 2, value=VALID),
            CaseStep(RECTIFY, 8, "已向审批科提出合并该项材料的建议，待办事指南调整"),
            CaseStep(RETURN_VISIT, 10, "企业表示认可，等待指南调整", SATISFIED),
            CaseStep(CLOSE, 11, "建议已采纳，列入材料精简"),
        ),
        MATERIAL_IMPROVEMENT,
    ),
    SuggestionPlan(
        60, 15 * 60 + 10, C.MATERIALS, RECORDED,
        "企业反映：{licence}申请中「{material}」与申请表重复，每次都要另行盖章，希望取消。",
        TRIMMED_TYPE,
        (
            CaseStep(VERIFY, 1, "电话核实，企业经办人确认该材料与申请表内容重复"),
            CaseStep(CLASSIFY, 2, value=VALID),
            CaseStep(RECTIFY, 5, "已列入改进措施，目录调整后不再要求提交该项材料"),
            CaseStep(RETURN_VISIT, 7, "企业希望尽快落实", BASIC),
            CaseStep(CLOSE, 8, "已列入改进措施跟踪，结案"),
        ),
        MATERIAL_IMPROVEMENT,
    ),
    SuggestionPlan(
        8, 20 * 60 + 5, C.MATERIALS, PORTAL,
        "车辆技术等级评定结论系统里能查到，年审时能不能不再交纸质件？",
        "vehicle_certificate",
        (
            CaseStep(VERIFY, 1, "企业希望年审免交技术等级评定结论纸质件；经查该结论已可在部级系统核验"),
            CaseStep(CLASSIFY, 2, value=VALID),
        ),
    ),
    SuggestionPlan(
        3, 11 * 60 + 20, C.MATERIALS, RECORDED,
        "企业反映：从业资格考试申请要交近期一寸照片，窗口现场就能拍照采集，建议不再收纸质照片。",
        "driver_qualification",
        (CaseStep(VERIFY, 1, "电话核实企业诉求；窗口已具备现场采集照片的设备"),),
    ),
    SuggestionPlan(
        100, 9 * 60 + 50, C.PROCEDURE, PORTAL,
        "新办道路运输证和驾驶员从业资格证能不能一次受理？现在要排两次队。",
        "",
        (
            CaseStep(VERIFY, 1, "企业反映车辆、人员证件需分别取号办理；情况属实"),
            CaseStep(CLASSIFY, 2, value=VALID),
            CaseStep(RECTIFY, 12, "已实行车辆、人员证件同窗联办，一次取号即可办理"),
            CaseStep(RETURN_VISIT, 14, "企业表示方便多了", SATISFIED),
            CaseStep(CLOSE, 15, "已落实联办，结案"),
        ),
    ),
    SuggestionPlan(
        5, 14 * 60 + 35, C.PROCEDURE, RECORDED,
        "企业建议：经营地址变更后，名下车辆的道路运输证地址能一并变更，不用一辆一辆申请。",
        "vehicle_certificate",
        (
            CaseStep(VERIFY, 1, "电话核实，企业近期搬迁，名下车辆需逐辆变更"),
            CaseStep(
                CLASSIFY, 2,
                "道路运输证信息需逐车核发，省级系统暂不支持批量变更；已向企业说明，并向上级反映系统优化需求",
                EXPLAINED,
            ),
        ),
    ),
    SuggestionPlan(
        30, 9 * 60 + 25, C.WAITING, PORTAL,
        "周一上午窗口排队要一个多小时，能不能增加帮办人员？",
        "",
        (
            CaseStep(VERIFY, 1, "企业反映周一上午等候时间长；经查叫号记录，周一上午平均等候约50分钟"),
            CaseStep(CLASSIFY, 2, value=VALID),
            CaseStep(RECTIFY, 10, "已列入改进措施「窗口增设帮办代办岗」，高峰时段先行增派一名管家引导分流"),
            CaseStep(RETURN_VISIT, 12, "企业表示等候有所缩短，希望帮办岗尽快到位", BASIC),
            CaseStep(CLOSE, 13, "列入改进措施跟踪，结案"),
        ),
        WAITING_IMPROVEMENT,
    ),
    SuggestionPlan(
        14, 16 * 60 + 5, C.WAITING, RECORDED,
        "企业反映月底窗口等候时间长，建议高峰时段增开窗口或实行预约办理。",
        "",
        (
            CaseStep(VERIFY, 1, "电话核实，企业月底集中办理年审，等候较久"),
            CaseStep(CLASSIFY, 2, value=VALID),
            CaseStep(RECTIFY, 9, "已并入改进措施「窗口增设帮办代办岗」，月底高峰增开一个综合窗口"),
            CaseStep(RETURN_VISIT, 13, "企业对月底增开窗口表示满意", SATISFIED),
        ),
        WAITING_IMPROVEMENT,
    ),
    SuggestionPlan(
        7, 21 * 60 + 30, C.WAITING, PORTAL,
        "下午三点以后就取不到号了，能否延长取号时间？",
        "",
        (
            CaseStep(VERIFY, 1, "企业反映下午取号截止过早；经查系当日号源已用完"),
            CaseStep(CLASSIFY, 3, value=VALID),
        ),
        WAITING_IMPROVEMENT,
    ),
    SuggestionPlan(
        50, 13 * 60 + 55, C.ONLINE, PORTAL,
        "网上申请系统上传附件经常失败，图片稍大一点就传不上去。",
        "",
        (
            CaseStep(VERIFY, 1, "企业反映附件上传失败；经测试，超过2MB的图片无法上传"),
            CaseStep(CLASSIFY, 2, value=VALID),
            CaseStep(RECTIFY, 7, "已反馈省级系统运维单位，附件上限调整为10MB，办事指南增加图片压缩说明"),
            CaseStep(RETURN_VISIT, 9, "企业试用后上传正常", SATISFIED),
            CaseStep(CLOSE, 10, "整改完成，结案"),
        ),
    ),
    SuggestionPlan(1, 21 * 60 + 20, C.ONLINE, PORTAL, "手机上提交申请后看不到办理进度，建议增加进度查询。"),
    SuggestionPlan(
        40, 17 * 60 + 10, C.ATTITUDE, PORTAL,
        "打电话咨询时管家有点不耐烦，问两句就让我们自己去看办事指南，希望态度再好一些。",
        "",
        (
            CaseStep(VERIFY, 1, "回访企业经办人了解通话经过；调取通话记录，管家答复确实较简短"),
            CaseStep(CLASSIFY, 2, value=VALID),
            CaseStep(RECTIFY, 6, "已与管家谈话提醒，组织窗口服务规范培训，电话咨询实行首问负责"),
            CaseStep(RETURN_VISIT, 8, "企业表示近期电话咨询答复很耐心", SATISFIED),
            CaseStep(CLOSE, 9, "整改完成，结案"),
        ),
    ),
    SuggestionPlan(
        85, 10 * 60 + 5, C.POLICY, RECORDED,
        "企业建议把普通货运车辆免办道路运输证的标准从4.5吨提高到6吨。",
        "vehicle_certificate",
        (
            CaseStep(VERIFY, 1, "电话核实企业诉求"),
            CaseStep(CLASSIFY, 2, "车辆总质量标准由国家规定，窗口无权调整；已向企业解释政策依据", EXPLAINED),
            CaseStep(RETURN_VISIT, 5, "企业表示理解", BASIC),
            CaseStep(CLOSE, 6, "已解释，结案"),
        ),
    ),
    SuggestionPlan(
        25, 20 * 60 + 15, C.POLICY, PORTAL,
        "危险货物运输要求专用车辆不少于5辆，对新成立的企业门槛太高，建议允许分阶段达到。",
        "dangerous_goods_licence",
        (
            CaseStep(VERIFY, 1, "企业反映车辆数量要求门槛高"),
            CaseStep(
                CLASSIFY, 3,
                "专用车辆数量是规章规定的许可条件，窗口无权调整；已向企业解释，并介绍车辆分批购置时的办理方式",
                EXPLAINED,
            ),
            CaseStep(RETURN_VISIT, 6, "企业表示理解，将按要求配齐车辆", BASIC),
            CaseStep(CLOSE, 7, "已解释，结案"),
        ),
    ),
    SuggestionPlan(
        45, 11 * 60 + 45, C.OTHER, PORTAL,
        "行政服务中心停车位太少，来办事经常找不到车位。",
        "",
        (
            CaseStep(VERIFY, 1, "企业反映停车难；工作日上午停车场确实紧张"),
            CaseStep(
                CLASSIFY, 2,
                "停车场由行政服务中心统一管理，已转交中心后勤；同时告知企业可网上申请、证件邮寄，减少跑动",
                EXPLAINED,
            ),
            CaseStep(RETURN_VISIT, 5, "企业表示以后多用网上办理", SATISFIED),
            CaseStep(CLOSE, 6, "已转交并解释，结案"),
        ),
    ),
]  # fmt: skip
