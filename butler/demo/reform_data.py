"""The demo's reform year as data: the materials the reform took out of each catalogue entry (the oversize
permit's 12 → 5), the words of the materials now obtained by data sharing, and what people ask the window
and the 12345 hotline."""

# Per catalogue entry, the materials asked for before the reform and no longer: (Chinese, English).
_COMMON = [
    ("营业执照复印件", "Copy of the business licence"),
    ("法定代表人身份证复印件", "Copy of the legal representative's identity card"),
    ("申请报告", "Letter of application"),
    ("经营场所产权证明复印件", "Copy of the title to the business premises"),
    ("安全生产承诺书", "Safety undertaking"),
    ("组织机构代码证复印件", "Copy of the organisation code certificate"),
    ("税务登记证复印件", "Copy of the tax registration certificate"),
    ("管理人员学历及职称证明", "Managers' degrees and titles"),
]
_VEHICLE = [
    ("车辆购置税完税证明", "Vehicle purchase tax receipt"),
    ("车辆保险单复印件", "Copy of the vehicle's insurance policy"),
    ("车辆照片（前后左右）", "Photos of the vehicle from four sides"),
    ("车辆登记证书复印件", "Copy of the vehicle registration certificate"),
]
_OVERSIZE = [
    ("营业执照复印件", "Copy of the business licence"),
    ("道路运输证复印件", "Copy of the road transport certificate"),
    ("驾驶员驾驶证复印件", "Copy of the driver's licence"),
    ("车辆照片（前后左右）", "Photos of the vehicle from four sides"),
    ("货物说明及照片", "Description and photos of the load"),
    ("桥梁通行安全评估报告（已并入审查）", "Bridge safety assessment (now part of the review)"),
    ("通行路线说明", "Description of the route"),
]
REMOVED_MATERIALS: dict[str, list[tuple[str, str]]] = {
    "road_freight_licence": _COMMON[:6],
    "dangerous_goods_licence": _COMMON[:7],
    "passenger_licence": _COMMON[:6],
    "vehicle_certificate": _VEHICLE,
    "driver_qualification": _COMMON[1:2]
    + _COMMON[2:3]
    + _VEHICLE[2:3]
    + [("体检证明", "Medical certificate")],
    "oversize_permit": _OVERSIZE,  # 12 → 5, as the article says
    "port_licence": _COMMON[:5],
    "waterway_licence": _COMMON[:5],
    "ship_certificate": _COMMON[:3],
    "repair_filing": _COMMON[:4],
    "training_filing": _COMMON[:4],
    "oversize_permit_class1": _OVERSIZE[:3],
    "oversize_permit_class2": _OVERSIZE[:3],
}

# Materials the window reads from other departments' data (the police, the ship registry).
SHARED_MATERIAL_WORDS = ("身份证明", "身份证件", "驾驶证", "行驶证", "国籍证书")

ENQUIRY_TOPICS = [
    "咨询道路普通货物运输经营许可的办理条件和所需材料。",
    "询问危险货物运输从业资格考试的报名时间和地点。",
    "咨询新购车辆办理道路运输证需要带哪些材料。",
    "询问道路运输证年审能否网上办理。",
    "咨询大件运输（超限运输）许可的申请流程和办理时限。",
    "询问从业资格证到期换证需要准备什么。",
    "咨询公司变更地址后经营许可证如何变更。",
    "询问货车挂靠经营的相关规定。",
    "咨询港口经营许可的申请条件。",
    "询问企业注销前道路运输证如何办理注销。",
    "咨询网约车驾驶员从业资格证的办理流程。",
    "询问机动车维修经营备案需要的材料。",
    "咨询驾驶员继续教育的时间安排。",
    "询问冷藏车辆办理营运证是否有特殊要求。",
    "咨询新设立物流公司需要办理哪些许可。",
]
HOTLINE_TOPICS = [
    "市民反映：货车营运证年审预约不上，希望尽快安排。",
    "来电人咨询危险品运输押运员证的考试安排，要求答复。",
    "企业反映网上申报道路运输证一直显示审核中，请核实进度。",
    "来电人反映从业资格证换证材料被退回两次，希望一次性告知所需材料。",
    "来电人咨询超限运输许可电子证件如何打印。",
]
# How people name a company not registered yet.
COMPANY_WORDS = [
    "宁波某物流公司（筹）",
    "北仑某货运代理（筹建中）",
    "某集装箱运输公司（拟设立）",
    "某冷链物流（正在办理营业执照）",
]
