"""The licence catalogue the window starts with (from the domain reference); administrators edit it later.

Each entry: code, Chinese and English names, scope, issuing level, business types, statutory and
committed limits (working days), validity (months), renewal lead (days), obtain-within (days), exempt
mass (kg), online, on the spot, person roles, and the ordered list of materials (Chinese, English).
"""

CATALOGUE = [
    {
        "code": "road_freight_licence",
        "name_zh": "道路运输经营许可证（普通货运）",
        "name_en": "Road transport business licence (ordinary freight)",
        "scope": "company",
        "issuing_level": "county",
        "business_types": ["road_freight"],
        "statutory_limit_days": 20,
        "committed_limit_days": 5,
        "validity_months": 48,
        "renew_days_before": 30,
        "obtain_within_days": 60,
        "exempt_max_mass_kg": 4500,
        "online": True,
        "materials": [
            ("道路货物运输经营申请表", "Application form for road freight business"),
            ("负责人身份证明及经办人授权委托书", "Identity of the person in charge and power of attorney"),
            ("机动车辆行驶证、车辆技术等级评定结论", "Vehicle licences and technical grade assessments"),
            ("拟聘驾驶员从业资格证及驾驶证", "Qualification certificates and licences of the drivers"),
            ("安全生产管理制度文本", "Safety management rules"),
        ],
    },
    {
        "code": "dangerous_goods_licence",
        "name_zh": "道路运输经营许可证（危险货物）",
        "name_en": "Road transport business licence (dangerous goods)",
        "scope": "company",
        "issuing_level": "city",
        "business_types": ["dangerous_goods"],
        "statutory_limit_days": 20,
        "committed_limit_days": 10,
        "validity_months": 48,
        "renew_days_before": 30,
        "obtain_within_days": 90,
        "online": False,
        "materials": [
            ("道路危险货物运输经营申请表", "Application form for dangerous goods transport"),
            ("拟运输危险货物类别、项别说明", "Classes and divisions of the goods to be carried"),
            ("专用车辆（不少于5辆）及设备情况说明", "Special vehicles (at least five) and equipment"),
            (
                "驾驶人员、押运人员、装卸管理人员从业资格证",
                "Qualifications of drivers, escorts and loading managers",
            ),
            ("停车场地的土地使用证或租借合同", "Title or lease of the parking ground"),
            ("承运人责任险投保承诺书", "Undertaking to insure carrier liability"),
            ("安全生产管理制度及应急救援预案", "Safety rules and emergency plan"),
        ],
    },
    {
        "code": "passenger_licence",
        "name_zh": "道路旅客运输经营许可",
        "name_en": "Road passenger transport licence",
        "scope": "company",
        "issuing_level": "city",
        "business_types": ["passenger"],
        "statutory_limit_days": 20,
        "committed_limit_days": 10,
        "validity_months": 48,
        "renew_days_before": 60,
        "obtain_within_days": 90,
        "materials": [
            ("道路旅客运输经营申请表", "Application form for passenger transport"),
            ("企业章程文本", "Articles of association"),
            ("客运车辆情况说明及技术等级评定结论", "Coaches and their technical grade assessments"),
            (
                "拟聘驾驶员从业资格证及三年内无重大以上交通责任事故证明",
                "Driver qualifications and three-year safety records",
            ),
            ("安全生产管理制度文本", "Safety management rules"),
            (
                "客运班线可行性报告（申请班线经营的）",
                "Feasibility report of the route (for scheduled routes)",
            ),
        ],
    },
    {
        "code": "vehicle_certificate",
        "name_zh": "道路运输证",
        "name_en": "Vehicle road transport certificate",
        "scope": "vehicle",
        "issuing_level": "county",
        "business_types": ["road_freight", "dangerous_goods", "passenger"],
        "statutory_limit_days": 10,
        "committed_limit_days": 1,
        "validity_months": 12,
        "renew_days_before": 30,
        "obtain_within_days": 30,
        "exempt_max_mass_kg": 4500,
        "online": True,
        "on_the_spot": True,
        "materials": [
            ("机动车行驶证", "Vehicle licence"),
            ("车辆技术等级评定结论", "Technical grade assessment"),
            ("卫星定位装置安装证明", "Satellite positioning device certificate"),
        ],
    },
    {
        "code": "driver_qualification",
        "name_zh": "道路运输从业人员从业资格证",
        "name_en": "Road transport qualification certificate (driver, escort, loader)",
        "scope": "person",
        "issuing_level": "city",
        "business_types": ["road_freight", "dangerous_goods", "passenger"],
        "person_roles": "driver,escort,loader",
        "statutory_limit_days": 10,
        "committed_limit_days": 5,
        "validity_months": 72,
        "renew_days_before": 30,
        "obtain_within_days": 60,
        "exempt_max_mass_kg": 4500,
        "online": True,
        "materials": [
            ("从业资格考试申请表", "Application form for the qualification examination"),
            ("身份证明", "Identity document"),
            ("机动车驾驶证（驾驶员）", "Driving licence (drivers)"),
            ("近期一寸照片", "Recent passport photograph"),
        ],
    },
    {
        "code": "oversize_permit",
        "name_zh": "超限运输车辆行驶公路许可",
        "name_en": "Oversize/overweight road permit",
        "scope": "trip",
        "issuing_level": "highway",
        "business_types": [],
        "statutory_limit_days": 15,
        "committed_limit_days": 3,
        "online": True,
        "on_the_spot": True,
        "notes": "12 materials became 5; decided on the spot within 30 minutes when complete.",
        "materials": [
            ("超限运输车辆行驶公路申请表", "Application form"),
            ("车辆行驶证及道路运输证", "Vehicle licence and road transport certificate"),
            ("车货总体外廓尺寸、总质量、轴荷数据及示意图", "Dimensions, total mass, axle loads and sketch"),
            ("货物出厂证明或承运合同", "Proof of origin of the load or carriage contract"),
            ("驾驶人员从业资格证", "Driver's qualification certificate"),
        ],
    },
    {
        "code": "port_licence",
        "name_zh": "港口经营许可证",
        "name_en": "Port operation licence",
        "scope": "company",
        "issuing_level": "port",
        "business_types": ["port"],
        "statutory_limit_days": 30,
        "committed_limit_days": 15,
        "validity_months": 36,
        "renew_days_before": 30,
        "obtain_within_days": 180,
        "materials": [
            ("港口经营许可申请书", "Application for a port operation licence"),
            ("港口设施、场地使用证明", "Proof of use of the port facilities and grounds"),
            ("港口经营设备清单", "List of port equipment"),
            ("安全生产管理制度及应急预案", "Safety rules and emergency plan"),
            ("从业人员资格证明", "Staff qualifications"),
        ],
    },
    {
        "code": "waterway_licence",
        "name_zh": "国内水路运输经营许可证",
        "name_en": "Domestic waterway transport licence",
        "scope": "company",
        "issuing_level": "city",
        "business_types": ["waterway"],
        "statutory_limit_days": 30,
        "committed_limit_days": 15,
        "validity_months": 60,
        "renew_days_before": 30,
        "obtain_within_days": 180,
        "materials": [
            ("国内水路运输经营申请书", "Application for domestic waterway transport"),
            ("企业章程", "Articles of association"),
            ("自有船舶所有权登记证书及检验证书", "Ownership and inspection certificates of the ships"),
            ("海务、机务管理人员资格证明", "Qualifications of the marine and engineering managers"),
            ("安全管理体系文件", "Safety management system"),
        ],
    },
    {
        "code": "ship_certificate",
        "name_zh": "船舶营业运输证",
        "name_en": "Ship operating certificate",
        "scope": "vessel",
        "issuing_level": "city",
        "business_types": ["waterway"],
        "statutory_limit_days": 20,
        "committed_limit_days": 5,
        "validity_months": 60,
        "renew_days_before": 30,
        "obtain_within_days": 60,
        "materials": [
            ("船舶营业运输证申请表", "Application form"),
            ("船舶国籍证书", "Certificate of nationality"),
            ("船舶检验证书", "Inspection certificate"),
        ],
    },
    {
        "code": "repair_filing",
        "name_zh": "机动车维修经营备案",
        "name_en": "Vehicle repair business filing",
        "scope": "company",
        "issuing_level": "county",
        "business_types": ["repair"],
        "obtain_within_days": 30,
        "online": True,
        "on_the_spot": True,
        "materials": [
            ("机动车维修经营备案表", "Filing form for vehicle repair"),
            ("维修场地使用证明", "Proof of use of the workshop"),
            ("维修设备设施清单", "List of repair equipment"),
            ("技术人员资格证明", "Technicians' qualifications"),
        ],
    },
    {
        "code": "training_filing",
        "name_zh": "机动车驾驶员培训备案",
        "name_en": "Driver training filing",
        "scope": "company",
        "issuing_level": "county",
        "business_types": ["driver_training"],
        "obtain_within_days": 30,
        "online": True,
        "on_the_spot": True,
        "materials": [
            ("机动车驾驶员培训备案表", "Filing form for driver training"),
            ("教练场地使用证明", "Proof of use of the training ground"),
            ("教学车辆行驶证", "Licences of the training cars"),
            ("教练员资格证明", "Instructors' qualifications"),
        ],
    },
]


def seed_catalogue(licence_type_model, material_model, business_type_model) -> None:
    """Create the catalogue entries that are missing; leave entries the administrator edited alone."""
    types = {bt.code: bt for bt in business_type_model.objects.all()}
    for position, entry in enumerate(CATALOGUE, start=1):
        entry = dict(entry)
        materials = entry.pop("materials")
        codes = entry.pop("business_types")
        code = entry.pop("code")
        licence_type, created = licence_type_model.objects.get_or_create(
            code=code, defaults={**entry, "position": position}
        )
        if not created:
            continue
        licence_type.business_types.set([types[c] for c in codes if c in types])
        for number, (name_zh, name_en) in enumerate(materials, start=1):
            material_model.objects.create(
                licence_type=licence_type, position=number, name_zh=name_zh, name_en=name_en
            )


# Corrections made once the catalogue was checked against the rules (applied by a data migration to entries
# still as seeded; an administrator's later edits are theirs): field values by code, materials renamed or
# added by position, and new entries.
CORRECTIONS = {
    "vehicle_certificate": {"renewal_kind": "annual_review"},
    "driver_qualification": {"renewal_kind": "exchange"},
    "port_licence": {"statutory_limit_days": 20},
    "waterway_licence": {"statutory_limit_days": 20},
    "oversize_permit": {
        "name_zh": "超限运输车辆行驶公路许可（三类）",
        "name_en": "Oversize/overweight road permit (class 3)",
        "statutory_limit_days": 15,
        "committed_limit_days": 10,
        "notes": "Class 3: 15 working days (crossing provinces 20); road reinforcement time not counted.",
    },
}
# (position, stage, Chinese, English): a position already there is renamed, a new one added.
MATERIAL_CORRECTIONS = {
    "driver_qualification": [
        (1, "first", "从业资格考试申请表", "Application form for the qualification examination"),
        (4, "first", "近期一寸照片", "Recent passport photograph"),
        (5, "renewal", "从业资格证换发申请表", "Application form to exchange the qualification certificate"),
        (6, "renewal", "原从业资格证件", "The qualification certificate held"),
    ],
    "oversize_permit": [
        (1, "both", "超限运输车辆行驶公路申请表", "Application form"),
        (
            2,
            "both",
            "承运人道路运输经营许可证及经办人身份证件或授权委托书",
            "The carrier's road transport business licence, and the agent's ID or letter of authorisation",
        ),
        (3, "both", "车辆行驶证", "Vehicle licence"),
        (4, "both", "车货总体外廓尺寸示意图", "Outline drawing of vehicle and load"),
        (5, "both", "护送方案", "Escort plan"),
    ],
}
OVERSIZE_NATIONAL = MATERIAL_CORRECTIONS["oversize_permit"][:3]
NEW_ENTRIES = [
    {
        "code": "oversize_permit_class1",
        "name_zh": "超限运输车辆行驶公路许可（一类）",
        "name_en": "Oversize/overweight road permit (class 1)",
        "scope": "trip",
        "issuing_level": "highway",
        "business_types": [],
        "statutory_limit_days": 2,
        "online": True,
        "on_the_spot": True,
        "notes": "Class 1: 2 working days (crossing provinces 5).",
        "materials": [(stage, zh, en) for _, stage, zh, en in OVERSIZE_NATIONAL],
    },
    {
        "code": "oversize_permit_class2",
        "name_zh": "超限运输车辆行驶公路许可（二类）",
        "name_en": "Oversize/overweight road permit (class 2)",
        "scope": "trip",
        "issuing_level": "highway",
        "business_types": [],
        "statutory_limit_days": 5,
        "committed_limit_days": 3,
        "online": True,
        "notes": "Class 2: 5 working days (crossing provinces 10).",
        "materials": [(stage, zh, en) for _, stage, zh, en in OVERSIZE_NATIONAL],
    },
]


def correct_catalogue(licence_type_model, material_model, business_type_model) -> None:
    types = {entry.code: entry for entry in licence_type_model.objects.filter(code__in=CORRECTIONS)}
    for code, values in CORRECTIONS.items():
        if code in types:
            licence_type_model.objects.filter(pk=types[code].pk).update(**values)
    for code, materials in MATERIAL_CORRECTIONS.items():
        kind = licence_type_model.objects.filter(code=code).first()
        if kind is None:
            continue
        for position, stage, name_zh, name_en in materials:
            material_model.objects.update_or_create(
                licence_type=kind,
                position=position,
                defaults={"stage": stage, "name_zh": name_zh, "name_en": name_en},
            )
    last = licence_type_model.objects.order_by("-position").values_list("position", flat=True).first() or 0
    for number, entry in enumerate(NEW_ENTRIES, start=last + 1):
        entry = dict(entry)
        materials, code = entry.pop("materials"), entry.pop("code")
        entry.pop("business_types")
        kind, created = licence_type_model.objects.get_or_create(
            code=code, defaults={**entry, "position": number}
        )
        if created:
            for position, (stage, name_zh, name_en) in enumerate(materials, start=1):
                material_model.objects.create(
                    licence_type=kind, position=position, stage=stage, name_zh=name_zh, name_en=name_en
                )


# The business scope classes of a freight licence (经营范围), and what they decide.
BUSINESS_SCOPES = [
    ("general", "普通货运", "General freight"),
    ("container", "集装箱", "Containers"),
    ("oversize", "大件", "Oversize loads"),
    ("refrigerated", "冷藏", "Refrigerated"),
    ("tank", "罐式", "Tank"),
    ("dangerous", "危险货物", "Dangerous goods"),
]
SCOPED_LICENCES = ["road_freight_licence", "dangerous_goods_licence"]
OVERSIZE_PERMITS = ["oversize_permit_class1", "oversize_permit_class2", "oversize_permit"]
OVERSIZE_PASS_MONTHS = 6


def scope_catalogue(licence_type_model, business_scope_model) -> None:
    """Seed the scope classes; freight licences state a scope; oversize permits need 大件, their issuer
    follows the route, and a pass for repeated identical trips may run up to six months."""
    for position, (code, name_zh, name_en) in enumerate(BUSINESS_SCOPES, start=1):
        business_scope_model.objects.get_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "position": position}
        )
    oversize = business_scope_model.objects.get(code="oversize")
    licence_type_model.objects.filter(code__in=SCOPED_LICENCES).update(has_business_scope=True)
    licence_type_model.objects.filter(code__in=OVERSIZE_PERMITS, needs_scope=None).update(
        needs_scope=oversize, issuer_by_route=True, max_pass_months=OVERSIZE_PASS_MONTHS
    )


# Periodic obligations of vehicles and people. Cadences marked ``verified: False`` are assumptions the
# administrator confirms against the rules in force (the admin shows them as unchecked).
FREIGHT_AND_PASSENGER = ["road_freight", "dangerous_goods", "passenger"]
OBLIGATIONS = [
    {
        "code": "vehicle_inspection",
        "name_zh": "机动车安全技术检验",
        "name_en": "Vehicle safety inspection",
        "scope": "vehicle",
        "business_types": FREIGHT_AND_PASSENGER,
        "exempt_max_mass_kg": 4500,
        "evidence": "done",
        "every_months": 12,
        "verified": False,
        "consequence": (
            "检验不合格或逾期未检，道路运输证年审不能通过",
            "Without a passed inspection the vehicle certificate fails its annual review",
        ),
        # Commercial vehicles: yearly within their first years, every six months after (by type).
        "cadences": [
            ("truck,van,tractor,trailer,tanker", 0, 10, 12),
            ("truck,van,tractor,trailer,tanker", 10, None, 6),
            ("bus", 0, 5, 12),
            ("bus", 5, None, 6),
        ],
    },
    {
        "code": "tank_inspection",
        "name_zh": "罐体定期检验",
        "name_en": "Tank periodic inspection",
        "scope": "vehicle",
        "business_types": ["dangerous_goods"],
        "vehicle_types": "tanker",
        "evidence": "certificate",
        "every_months": None,
        "verified": False,
        "consequence": (
            "罐体检验过期不得装运危险货物",
            "A tank past its inspection may not carry dangerous goods",
        ),
        "cadences": [],
    },
    {
        "code": "compulsory_insurance",
        "name_zh": "机动车交通事故责任强制保险（交强险）",
        "name_en": "Compulsory traffic accident insurance",
        "scope": "vehicle",
        "business_types": FREIGHT_AND_PASSENGER,
        "exempt_max_mass_kg": 4500,
        "evidence": "policy",
        "every_months": None,
        "verified": True,
        "consequence": ("脱保车辆不得上道路行驶", "An uninsured vehicle may not be driven on the road"),
        "cadences": [],
    },
    {
        "code": "carrier_liability_insurance",
        "name_zh": "承运人责任险",
        "name_en": "Carrier's liability insurance",
        "scope": "vehicle",
        "business_types": ["dangerous_goods", "passenger"],
        "evidence": "policy",
        "every_months": None,
        "verified": True,
        "consequence": (
            "未按规定投保承运人责任险的，由原许可机关吊销道路运输经营许可证",
            "A lapsed carrier's liability insurance leads the issuing authority to revoke the licence",
        ),
        "cadences": [],
    },
    {
        "code": "driver_integrity_assessment",
        "name_zh": "从业人员诚信考核",
        "name_en": "Annual integrity assessment of the driver",
        "scope": "person",
        "business_types": FREIGHT_AND_PASSENGER,
        "person_roles": "driver",
        "exempt_max_mass_kg": 4500,
        "evidence": "done",
        "every_months": 12,
        "verified": False,
        "consequence": (
            "未参加诚信考核的，从业资格证换证受影响",
            "Without the assessment the qualification certificate's exchange is affected",
        ),
        "cadences": [],
    },
    {
        "code": "continuing_education",
        "name_zh": "从业人员继续教育",
        "name_en": "Continuing education",
        "scope": "person",
        "business_types": FREIGHT_AND_PASSENGER,
        "exempt_max_mass_kg": 4500,
        "evidence": "done",
        "every_months": 12,
        "verified": False,
        "consequence": ("", ""),
        "cadences": [],
    },
]


def seed_obligations(obligation_type_model, cadence_model, business_type_model) -> None:
    """Create the obligation types that are missing, with their age bands; leave edited ones alone."""
    types = {bt.code: bt for bt in business_type_model.objects.all()}
    for position, entry in enumerate(OBLIGATIONS, start=1):
        entry = dict(entry)
        codes, cadences, code = entry.pop("business_types"), entry.pop("cadences"), entry.pop("code")
        entry["cadence_verified"] = entry.pop("verified")
        zh, en = entry.pop("consequence")
        fields = {field.name for field in obligation_type_model._meta.get_fields()}
        if "consequence_zh" in fields:
            entry["consequence_zh"], entry["consequence_en"] = zh, en
        else:  # the model as migration 0017 knows it (one language, the Chinese)
            entry["consequence"] = zh
        kind, created = obligation_type_model.objects.get_or_create(
            code=code, defaults={**entry, "position": position}
        )
        if not created:
            continue
        kind.business_types.set([types[c] for c in codes if c in types])
        for vehicle_types, start, until, months in cadences:
            cadence_model.objects.create(
                obligation_type=kind,
                vehicle_types=vehicle_types,
                from_age_years=start,
                until_age_years=until,
                every_months=months,
            )


def translate_consequences(obligation_type_model) -> None:
    """The English of each seeded consequence, where the Chinese is still as seeded."""
    for entry in OBLIGATIONS:
        zh, en = entry["consequence"]
        obligation_type_model.objects.filter(code=entry["code"], consequence_zh=zh, consequence_en="").update(
            consequence_en=en
        )
