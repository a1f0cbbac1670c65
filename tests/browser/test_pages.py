"""Every page of the product, as each role sees it, in Simplified Chinese and in English, with nothing on it
refused by the Content Security Policy.

The screenshots are kept in test-artifacts/pages/ for people to look at.
"""

import json
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from butler.feedback.improvements import improvement_create
from butler.feedback.ratings import suggestion_submit
from butler.licences.services import licence_step
from companies.models import CompanyLicence
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = {"zh-hans": "zh-CN", "en": "en-US"}
# axe-core, installed by `make test` from package-lock.json (npm ci).
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def _axe(page) -> list[dict]:
    """The page's serious and critical accessibility violations, as axe-core finds them."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    found = page.evaluate("() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
            "count": len(v["nodes"]),
        }
        for v in found
        if v["impact"] in SERIOUS
    ]


LICENCE_ZH, LICENCE_EN = (
    "道路运输经营许可证（普通货运）",
    "Road transport business licence (ordinary freight)",
)
MATERIAL_ZH, MATERIAL_EN = "道路货物运输经营申请表", "Application form for road freight business"
# page name: (user, path from the world, a heading in Chinese, the same in English, phone viewport)
PAGES = {
    "login": (None, lambda w: reverse("login"), "企业管家服务", "Enterprise butler service", False),
    "portfolio": ("butler_a", lambda w: reverse("portfolio:list"), "我的服务企业", "My portfolio", False),
    "first-visit": ("butler_a", lambda w: reverse("firstvisit:search") + "?q=宁波", "首次办理", "First visit",
                    False),
    "register": ("butler_a", lambda w: reverse("firstvisit:register"), "登记企业并受理其首件事项",
                 "Register a company and accept its first matter", False),
    "company": ("butler_a", lambda w: reverse("company:detail", args=[w.company_a.pk]), "变更记录",
                "Change history", False),
    "card": ("butler_a", lambda w: reverse("service:card", args=[w.period_a.pk]), "管家服务卡",
             "Butler service card", False),
    "manager-periods": ("manager", lambda w: reverse("oversight:periods"), "服务期", "Service periods",
                        False),
    "manager-companies": ("manager", lambda w: reverse("oversight:companies"), "企业", "Companies", False),
    "manager-workload": ("manager", lambda w: reverse("oversight:workload"), "管家工作量", "Butler workload",
                         False),
    "transfer": ("manager", lambda w: reverse("company:transfer", args=[w.company_a.pk]), "移交给其他管家",
                 "Transfer to another butler", False),
    "portal": ("company_a", lambda w: reverse("portal:home"), "您的管家", "Your butler", True),
    "licences": ("butler_a", lambda w: reverse("licences:checklist", args=[w.company_a.pk]),
                 LICENCE_ZH, LICENCE_EN, False),
    "licence": ("butler_a", lambda w: reverse("licences:detail", args=[w.licence.pk]),
                LICENCE_ZH, LICENCE_EN, False),
    "notice": ("butler_a", lambda w: reverse("licences:notice", args=[w.licence.pk]),
               MATERIAL_ZH, MATERIAL_EN, False),
    "import": ("butler_a", lambda w: reverse("company:import_subjects", args=[w.company_a.pk, "vehicles"]),
               "浙B12345", "浙B12345", False),
    "file": ("butler_a", lambda w: reverse("licences:file", args=[w.company_a.pk]), "申请受理",
             "File an application", False),
    "fleet": ("butler_a", lambda w: reverse("fleet:calendar", args=[w.company_a.pk]), "车队日历",
              "Fleet calendar", False),
    "portal-fleet": ("company_a", lambda w: reverse("portal:fleet"), "本月车队事项", "My fleet this month",
                     True),
    "portal-licences": ("company_a", lambda w: reverse("portal:licences"), LICENCE_ZH, LICENCE_EN, True),
    "portal-reminders": ("company_a", lambda w: reverse("portal:reminders"), "法定期限：始终提醒",
                         "Statutory deadlines: always", True),
    "notifications": ("company_a", lambda w: reverse("notices:index"), "通知", "Notifications", True),
    "manager-reminders": ("manager", lambda w: reverse("oversight:deliveries") + "?status=pending",
                          "提醒发送情况", "Reminder delivery", False),
    "manager-licences": ("manager", lambda w: reverse("oversight:licences"), "证照", "Licences", False),
    "dashboard": ("manager", lambda w: reverse("oversight:dashboard"), "服务数据看板", "Service dashboard",
                  False),
    "audit-cases": ("manager", lambda w: reverse("feedback:cases"), "评价核查", "Feedback audit", False),
    "audit-case": ("manager", lambda w: reverse("feedback:case", args=[w.case.pk]), "变更记录",
                   "Change history", False),
    "audit-ratings": ("manager", lambda w: reverse("feedback:ratings"), "评价核查", "Feedback audit",
                      False),
    "improvements": ("manager", lambda w: reverse("feedback:improvements"), "评价核查", "Feedback audit",
                     False),
    "improvement": ("manager", lambda w: reverse("feedback:improvement", args=[w.improvement.pk]),
                    "高峰时段增开窗口", "高峰时段增开窗口", False),
    "improvement-new": ("manager", lambda w: reverse("feedback:improvement_new"), "新建改进措施",
                        "New improvement action", False),
    "materials": ("butler_a", lambda w: reverse("feedback:materials"), "评价核查", "Feedback audit", False),
    "exports": ("manager", lambda w: reverse("oversight:exports"), "导出", "Exports", False),
    "lookback": ("manager", lambda w: reverse("oversight:lookback"), "回头看报告", "Look-back report", False),
    "portal-feedback": ("company_a", lambda w: reverse("feedback:portal"), "我的评价", "My feedback", True),
    "rate": ("company_a", lambda w: reverse("feedback:rate", args=["butler", w.period_a.pk]), "评价服务",
             "Rate the service", True),
    "suggest": ("company_a", lambda w: reverse("feedback:suggest"), "提出意见建议", "Make a suggestion",
                True),
    "record-suggestion": ("butler_a", lambda w: reverse("feedback:record_suggestion", args=[w.company_a.pk]),
                          "记录意见建议", "Record a suggestion", False),
    "consultations": ("butler_a", lambda w: reverse("contactlog:enquiries"), "登记咨询",
                      "Record a consultation", False),
    "year-report": ("manager", lambda w: reverse("oversight:year_report") + "?year=2026", "改革成效一览",
                    "The reform in figures", False),
    "limits": ("manager", lambda w: reverse("oversight:limits"), "承诺时限", "Committed limits", False),
    "reform-list": ("manager", lambda w: reverse("oversight:drill", args=["reform_registered"]),
                    "辖区新设运输企业", "Companies newly registered in the district", False),
    "registrations": ("manager", lambda w: reverse("firstvisit:registrations"), "导入新设企业",
                      "Import new registrations", False),
    "results": (None, lambda w: reverse("feedback:results"), "评价结果公开", "Published ratings", False),
}  # fmt: skip


def _users(world):
    return {"butler_a": world.butler_a.user, "manager": world.manager, "company_a": world.contact_a}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_renders_in_both_languages(live_server, browser, world, artifacts, language):
    folder = artifacts / "pages"
    folder.mkdir(exist_ok=True)
    users = _users(world)
    world.licence = CompanyLicence.objects.get(
        company=world.company_a, licence_type__code="road_freight_licence"
    )
    licence_step(
        actor=world.butler_a.user,
        licence=world.licence,
        to="missing",
        on=date(2026, 11, 2),
        materials=list(world.licence.licence_type.materials.all()[:2]),
        supply_by=date(2026, 11, 9),
    )
    world.case = suggestion_submit(actor=world.contact_a, category="waiting", text="高峰时段排队较久").case
    world.improvement = improvement_create(
        actor=world.manager,
        title="高峰时段增开窗口",
        owner=world.manager,
        due_on=date(2026, 12, 31),
        cases=[world.case],
    )
    contexts = {}  # one browser context a person and screen, signed in once
    violations = {}  # page name: its serious and critical accessibility violations

    def context_for(username, phone):
        if (username, phone) not in contexts:
            context = browser.new_context(
                locale=LANGUAGES[language],
                viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": 900},
                is_mobile=phone,
            )
            if username:
                page = context.new_page()
                page.goto(live_server.url + reverse("login"))
                page.locator("#id_username").fill(users[username].username)
                page.locator("#id_password").fill(PASSWORD)
                page.locator("form:has(#id_username) button[type=submit]").click()
                page.wait_for_load_state()
                page.close()
            contexts[(username, phone)] = context
        return contexts[(username, phone)]

    for name, (username, path, heading_zh, heading_en, phone) in PAGES.items():
        page = context_for(username, phone).new_page()
        # Whatever the Content Security Policy refuses on the page fails it.
        refused = []
        page.on("console", lambda m, out=refused: "Content Security Policy" in m.text and out.append(m.text))
        page.set_default_timeout(15_000)
        response = page.goto(live_server.url + path(world))
        assert response.status == 200, name
        assert page.locator("html").get_attribute("lang") == language
        heading = heading_zh if language == "zh-hans" else heading_en
        shown = page.get_by_text(heading, exact=True).locator("visible=true")  # not a menu's hidden entry
        assert shown.first.is_visible(), f"{name}: {heading}"
        if name == "card":
            overflow = page.locator(".service-card").evaluate("card => card.scrollHeight - card.clientHeight")
            assert overflow <= 0, f"the card's text runs {overflow}px past its edge"
        page.screenshot(path=str(folder / f"{name}-{language}.png"), full_page=True)
        assert refused == [], f"{name}: {refused}"
        violations[name] = _axe(page)
        page.close()
    for context in contexts.values():
        context.close()
    (folder / f"axe-{language}.json").write_text(json.dumps(violations, ensure_ascii=False, indent=1))
    assert {name: found for name, found in violations.items() if found} == {}
