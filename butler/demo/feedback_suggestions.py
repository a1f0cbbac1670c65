"""The demo's suggestions and what came of them: each suggestion of the feedback tables made by a company
that fits it (from the portal, or recorded by its butler) with its audit case, and the two improvement
actions they led to — one that took a material out of the licence catalogue and is done, one for a help
desk beside the window still on its way.

``SuggestionStory`` is mixed into ``butler.demo.feedback.FeedbackStory``, whose clock, companies, periods
and audit steps it uses.
"""

from datetime import datetime, time, timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from butler.demo.clock import at_minute, backdate, moment_at
from butler.demo.feedback_data import (
    MATERIAL_IMPROVEMENT,
    PORTAL,
    TRIMMED_MATERIALS,
    TRIMMED_TYPE,
    WAITING_IMPROVEMENT,
    C,
    SuggestionPlan,
)
from butler.feedback.improvements import improvement_create, improvement_update
from butler.feedback.models import ImprovementAction
from butler.feedback.ratings import suggestion_submit
from companies.models import Company, CompanyLicence, LicenceMaterial, LicenceType


class SuggestionStory:
    """The suggestions and improvement actions of the feedback story (mixed into ``FeedbackStory``)."""

    # suggestions

    def suggestion(self, plan: SuggestionPlan, trimmed: tuple[LicenceType, LicenceMaterial] | None) -> None:
        moment = at_minute(self.workday(plan.ago), plan.minute)
        licence_type, material = None, None
        if plan.licence_code == TRIMMED_TYPE and trimmed is not None:
            licence_type, material = trimmed
        elif plan.licence_code:
            licence_type = self.loader.licence_types.get(plan.licence_code)
        company = self.suggesting_company(plan, moment, licence_type)
        if company is None:
            return
        self.used_companies.add(company.pk)
        text = plan.text.format(
            licence=licence_type.name_zh if licence_type else "",
            material=material.name_zh if material else "",
        )
        contact = self.portal.get(company.pk)
        with self.at(moment):
            if plan.source == PORTAL:
                suggestion = suggestion_submit(
                    actor=contact.user,
                    category=plan.category,
                    text=text,
                    licence_type=licence_type,
                    now=moment,
                )
            else:
                suggestion = suggestion_submit(
                    actor=self.active(company.pk).butler.user,
                    category=plan.category,
                    text=text,
                    company=company,
                    contact=contact or company.contacts.filter(is_primary=True).first(),
                    licence_type=licence_type,
                    now=moment,
                )
        self.counts["suggestions"] += 1
        self.audit(suggestion.case, moment, plan.steps)
        if plan.improvement:
            self.linked.setdefault(plan.improvement, []).append(suggestion.case)

    def suggesting_company(
        self, plan: SuggestionPlan, moment: datetime, licence_type: LicenceType | None
    ) -> Company | None:
        """A company that could have made the suggestion then: its contact on the portal, or its butler
        in service since before (a suggestion about staff: a company with a butler); one that holds the
        licence type it is about, and that has not spoken up yet, where there is one."""
        day = moment.date()
        active = {
            company_id: period
            for company_id in self.periods
            if (period := self.active(company_id)) is not None
            and period.start_date < day
            and period.butler.active
        }
        if plan.source == PORTAL:
            companies = [
                contact.company
                for contact in self.portal.values()
                if contact.user.date_joined < moment
                and (plan.category != C.ATTITUDE or contact.company_id in active)
            ]
        else:
            companies = [period.company for period in active.values()]
        for condition in (
            lambda c: c.pk not in self.used_companies and self.holds(c, licence_type),
            lambda c: self.holds(c, licence_type),
            lambda c: True,
        ):
            fits = [company for company in companies if condition(company)]
            if fits:
                return self.rng.choice(fits)
        return None

    def holds(self, company: Company, licence_type: LicenceType | None) -> bool:
        return licence_type is None or (company.pk, licence_type.pk) in self.held

    # improvements

    def trimmed_material(self) -> tuple[LicenceType, LicenceMaterial] | None:
        """The material the catalogue drops: of the dangerous goods licence (else of the type with the
        most materials), one that no licence lists as missing now or has listed since the change, so that
        nothing the companies were told after it names a material the catalogue no longer had."""
        types = LicenceType.objects.annotate(n=models.Count("materials")).order_by("-n", "position")
        licence_type = types.filter(code=TRIMMED_TYPE).first() or types.first()
        if licence_type is None:
            return None
        listed = set(
            CompanyLicence.missing_materials.through.objects.values_list("licencematerial_id", flat=True)
        )
        history = apps.get_model("companies", "HistoricalCompanyLicence_missing_materials")
        listed |= set(
            history.objects.filter(history__history_date__gte=self.changed).values_list(
                "licencematerial_id", flat=True
            )
        )
        # Not the application form (the first), and by preference one whose content the form can carry.
        materials = [m for m in licence_type.materials.order_by("position", "pk")[1:] if m.pk not in listed]
        preferred = [m for words in TRIMMED_MATERIALS for m in materials if words in m.name_zh]
        chosen = (preferred or materials or [None])[0]
        return (licence_type, chosen) if chosen is not None else None

    def improvements(self, trimmed: tuple[LicenceType, LicenceMaterial] | None) -> None:
        if trimmed is not None:
            self.material_improvement(*trimmed)
        self.waiting_improvement()

    def material_improvement(self, licence_type: LicenceType, material: LicenceMaterial) -> None:
        """Two suggestions about one material: the manager sets up the action, the administrator takes
        the material out of the catalogue, and the action is done."""
        created = self.office(self.workday(56), after=moment_at(self.workday(57), time(0)))
        changed = self.changed
        done = self.office(self.workday(40), after=changed)
        with self.at(created):
            action = improvement_create(
                actor=self.manager,
                title=f"精简{licence_type.name_zh}申请材料：取消「{material.name_zh}」",
                description=(
                    f"企业两次反映「{material.name_zh}」与申请表内容重复。申请表增设相应栏目，"
                    "办事指南和材料目录删除该项，窗口不再收取。"
                ),
                owner=self.manager,
                due_on=self.workday(38),
                cases=self.linked.get(MATERIAL_IMPROVEMENT, []),
                licence_type=licence_type,
            )
        backdate(ImprovementAction, [action.pk], created_at=created)
        before = licence_type.materials.count()
        admin = get_user_model().objects.filter(username="admin").first()
        with self.at(changed):
            material._history_user = admin
            material.delete()
        with self.at(done):
            improvement_update(
                actor=self.manager,
                action=action,
                status=ImprovementAction.Status.DONE,
                outcome=(
                    f"自{changed.year}年{changed.month}月{changed.day}日起，{licence_type.name_zh}申请材料由{before}项减为"
                    f"{before - 1}项，「{material.name_zh}」的内容改在申请表中填写。"
                ),
                licence_type=licence_type,
                changed_on=changed.date(),
                done_on=done.date(),
            )
        self.counts["improvements"] += 1

    def waiting_improvement(self) -> None:
        """The waiting-time suggestions: a help desk beside the window, on its way."""
        cases = self.linked.get(WAITING_IMPROVEMENT, [])
        if not cases:
            return
        created = self.office(self.workday(21), after=moment_at(self.workday(22), time(0)))
        moved = self.office(self.workday(4), after=created)
        owner = self.loader.butlers[0].user
        with self.at(created):
            action = improvement_create(
                actor=self.manager,
                title="窗口增设帮办代办岗",
                description=(
                    "针对周一上午和月底高峰排队时间长的问题，在交通窗口旁增设帮办代办岗，由管家轮值，"
                    "引导企业网上申请、预审材料，分流现场排队。"
                ),
                owner=owner,
                due_on=self.today + timedelta(days=18),
                cases=cases[:1],
            )
        backdate(ImprovementAction, [action.pk], created_at=created)
        with self.at(moved):
            improvement_update(
                actor=self.manager,
                action=action,
                status=ImprovementAction.Status.IN_PROGRESS,
                outcome="帮办岗位置已确定，两名管家完成帮办业务培训，计划月底试运行。",
                cases=cases,
            )
        self.counts["improvements"] += 1
