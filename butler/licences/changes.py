"""The forms of a held licence's changes (变更) on its page: noted, applied for as a matter, decided."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from butler.fields import DateInput
from companies.lifecycle import HELD
from companies.models import BusinessScope, ChangeItem, ChangeStatus, LicenceChange, LicenceChannel


class ChangeForm(forms.Form):
    item = forms.ChoiceField(label=gettext_lazy("What changes"), choices=ChangeItem.choices)
    after = forms.CharField(
        label=gettext_lazy("As it is now"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("The new name, address or legal representative, as registered."),
    )
    scopes = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Business scope after the change"),
        queryset=BusinessScope.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    on = forms.DateField(label=gettext_lazy("In effect since"), widget=DateInput())

    def __init__(self, *args, licence, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)
        if licence.licence_type.has_business_scope:
            self.fields["scopes"].queryset = BusinessScope.objects.order_by("position")
        else:
            del self.fields["scopes"]
            self.fields["item"].choices = [c for c in ChangeItem.choices if c[0] != ChangeItem.SCOPE]


class ChangeFileForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("Applied for on"), widget=DateInput())
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=LicenceChannel.choices)
    changes = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Applied for together"),
        queryset=LicenceChange.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Tick the changes applied for.")},
    )

    def __init__(self, *args, change, **kwargs):
        kwargs.setdefault("initial", {}).update(on=timezone.localdate(), changes=[change.pk])
        super().__init__(*args, prefix=f"file-{change.pk}", **kwargs)
        self.fields["changes"].queryset = LicenceChange.objects.filter(
            licence__company_id=change.licence.company_id, status=ChangeStatus.TO_FILE
        ).select_related("licence__licence_type", "licence__vehicle", "licence__person", "licence__vessel")


class ChangeDecideForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("Decided on"), widget=DateInput())
    approved = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("1", gettext_lazy("Approved: certificate changed")), ("0", gettext_lazy("Refused"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    certificate_number = forms.CharField(
        label=gettext_lazy("New certificate number"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Leave empty if the number stays."),
    )
    refusal_reasons = forms.CharField(
        label=gettext_lazy("Reasons for the refusal"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, change, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, prefix=f"decide-{change.pk}", **kwargs)


def change_forms(licence, bound: forms.Form | None = None) -> dict:
    """The licence's changes, each open one with the form of its next step (the bound one kept)."""
    changes = list(licence.changes.select_related("application").order_by("-noticed_on", "-pk"))
    for change in changes:
        change.licence = licence
        form_class = {ChangeStatus.TO_FILE: ChangeFileForm, ChangeStatus.FILED: ChangeDecideForm}.get(
            change.status
        )
        change.form = None
        if form_class is not None:
            kept = isinstance(bound, form_class) and bound.prefix.endswith(f"-{change.pk}")
            change.form = bound if kept else form_class(change=change)
    return {
        "changeable": licence.status in HELD,
        "changes": changes,
        "change_form": bound if isinstance(bound, ChangeForm) else ChangeForm(licence=licence),
    }
