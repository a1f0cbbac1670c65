"""Forms of the manager's audit: the filters of its lists, one form per step of a case, and improvement
actions. They check shape; the services in ``butler/feedback`` decide (a finding's reason, who may act)."""

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from butler.feedback.models import AuditCase, ImprovementAction, Suggestion
from butler.fields import DateInput, IdChoicesField, RangeDateField
from butler.security import roles
from companies.models import LicenceType

Step = AuditCase.Step


def _text(label, *, required: bool = True, rows: int = 3, help_text: str = "", max_length: int = 4000):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


# --- the steps of a case -------------------------------------------------------------------------------


class VerifyForm(forms.Form):
    note = _text(
        _("What the company said on the call"),
        help_text=_("The call goes into the company's contact log."),
    )
    called_at = forms.DateTimeField(
        label=_("Called at"),
        required=False,
        help_text=_("Empty: now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["called_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def arguments(self) -> dict:
        return {"note": self.cleaned_data["note"], "called_at": self.cleaned_data["called_at"]}


class ClassifyForm(forms.Form):
    finding = forms.ChoiceField(
        label=_("Finding"), choices=AuditCase.Finding.choices, widget=forms.RadioSelect
    )
    reason = _text(
        _("Reason"),
        required=False,
        help_text=_("Required unless the feedback is valid; it stays in the case's history."),
    )

    def arguments(self) -> dict:
        return {"finding": self.cleaned_data["finding"], "reason": self.cleaned_data["reason"]}


class RectifyForm(forms.Form):
    rectification = _text(_("What was put right"))

    def arguments(self) -> dict:
        return {"rectification": self.cleaned_data["rectification"]}


class CaseReturnVisitForm(forms.Form):
    note = _text(
        _("What the rater was told"),
        rows=2,
        help_text=_("What was found and what was put right. The rater is then invited to rate again (追评)."),
    )

    def arguments(self) -> dict:
        return {"note": self.cleaned_data["note"]}


class DisputeDecisionForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[
            ("1", _("Upheld: the rating leaves the figures")),
            ("0", _("Not upheld: the window rectifies and reports back")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    reasons = _text(_("Reasons"), help_text=_("Kept with the case; the window sees them."))


class CloseForm(forms.Form):
    note = _text(_("Closing note"), required=False, rows=2)

    def arguments(self) -> dict:
        return {"note": self.cleaned_data["note"]}


STEP_FORMS = {
    Step.VERIFY: VerifyForm,
    Step.CLASSIFY: ClassifyForm,
    Step.RECTIFY: RectifyForm,
    Step.RETURN_VISIT: CaseReturnVisitForm,
    Step.CLOSE: CloseForm,
}


# --- improvement actions -------------------------------------------------------------------------------


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        butler = getattr(user, "butler", None)
        return (butler.display_name if butler else "") or user.get_full_name() or user.username


class CaseChoiceField(IdChoicesField):
    def label_from_instance(self, case) -> str:
        if case.rating_id:
            brief = f"★{case.rating.overall}"
        else:
            brief = str(Suggestion.Category(case.suggestion.category).label)
        return f"{case.number} · {case.company.name} · {brief} · {case.get_step_display()}"


def staff_users():
    """Who may own an improvement: the window's active staff."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[roles.BUTLER, roles.MANAGER])
        .distinct()
        .select_related("butler")
        .order_by("username")
    )


class ImprovementForm(forms.Form):
    """A new improvement action. ``cases``: the cases offered (those chosen, and the newest open ones)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = _text(_("What will change"), required=False)
    owner = StaffChoiceField(label=_("Owner"), queryset=get_user_model().objects.none())
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())
    cases = CaseChoiceField(
        label=_("Cases it answers"),
        queryset=AuditCase.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    licence_type = forms.ModelChoiceField(
        label=_("Catalogue entry changed"),
        queryset=LicenceType.objects.all(),
        required=False,
        help_text=_("If the action changes a licence's materials or time limits."),
    )
    changed_on = forms.DateField(
        label=_("Catalogue changed on"),
        required=False,
        widget=DateInput(),
        help_text=_("Material counts are compared before this day and now. Fill in once the change is made."),
    )

    def __init__(self, *args, cases=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_users()
        self.fields["cases"].queryset = (
            cases if cases is not None else AuditCase.objects.none()
        ).select_related("company", "rating", "suggestion")
        if not self.is_bound and "due_on" not in self.initial:
            self.initial["due_on"] = timezone.localdate() + timedelta(days=30)

    def arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "owner": data["owner"],
            "due_on": data["due_on"],
            "cases": list(data["cases"]),
            "licence_type": data["licence_type"],
            "changed_on": data["changed_on"],
        }


class ImprovementUpdateForm(ImprovementForm):
    """Moving an action on: its status and outcome, and what it is linked to."""

    status = forms.ChoiceField(label=_("Status"), choices=ImprovementAction.Status.choices)
    outcome = _text(_("Outcome"), required=False, help_text=_("Required to mark the action done."))
    done_on = forms.DateField(
        label=_("Done on"), required=False, widget=DateInput(), help_text=_("Empty when done: today.")
    )
    field_order = ["status", "outcome", "done_on", "owner", "due_on", "licence_type", "changed_on", "cases"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["title"]
        del self.fields["description"]

    @classmethod
    def initial_for(cls, action: ImprovementAction) -> dict:
        return {
            "status": action.status,
            "outcome": action.outcome,
            "done_on": action.done_on,
            "owner": action.owner_id,
            "due_on": action.due_on,
            "licence_type": action.licence_type_id,
            "changed_on": action.changed_on,
            "cases": [case.pk for case in action.cases.all()],
        }

    def arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "status": data["status"],
            "outcome": data["outcome"],
            "done_on": data["done_on"],
            "owner": data["owner"],
            "due_on": data["due_on"],
            "cases": list(data["cases"]),
            "licence_type": data["licence_type"],
            "changed_on": data["changed_on"],
        }


class MaterialsForm(forms.Form):
    since = RangeDateField(label=_("Compare with the catalogue of"), required=False, widget=DateInput())

    def clean_since(self):
        since = self.cleaned_data["since"]
        if since is not None and since > timezone.localdate():
            raise forms.ValidationError(_("Choose a day in the past."))
        return since
