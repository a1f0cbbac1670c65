"""Forms for the licence pages: steps of the life cycle, trips, subjects."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from butler.fields import DateInput, IdChoicesField, MobileField
from companies.lifecycle import targets
from companies.models import (
    LicenceChannel,
    LicenceMaterial,
    LicenceScope,
    LicenceStatus,
    LicenceType,
    Person,
    Vehicle,
    Vessel,
)
from companies.plates import normalize_plate

S = LicenceStatus

# What each step asks for. ``channel`` only when the step files the licence; ``at_window`` only when it
# brings materials that were waited for; ``reasons`` are one field per material of the entry.
MATERIALS = ["materials", "reasons", "supply_by"]
STEP_FIELDS = {
    S.MATERIALS_MISSING: ["submitted_on", "on", "channel", *MATERIALS, "note"],
    S.APPLIED: ["on", "channel", "at_window", "note"],
    S.RENEWAL_APPLIED: ["on", "channel", "at_window", "note"],
    S.DEFERRED: ["on", "channel", *MATERIALS, "note"],
    S.SUPPLEMENTING: ["on", *MATERIALS, "note"],
    S.ISSUED: ["on", "issued_on", "certificate_number", "expires_on", "collected", "note"],
    S.REFUSED: ["on", "refusal_reasons", "note"],
}
DEFAULT_FIELDS = ["on", "note"]
WAITING = {S.MATERIALS_MISSING, S.SUPPLEMENTING, S.DEFERRED}
DATE_LABELS = {
    S.MATERIALS_MISSING: _("Date of the notice"),
    S.APPLIED: _("Accepted on"),
    S.RENEWAL_APPLIED: _("Accepted on"),
    S.DEFERRED: _("Accepted on"),
    S.SUPPLEMENTING: _("Materials asked for on"),
    S.ISSUED: _("Decided on"),
    S.REFUSED: _("Decided on"),
}


def step_label(current: str, target: str) -> str:
    """What the butler is doing, in words, rather than the bare next status."""
    if current in WAITING and target in (S.APPLIED, S.RENEWAL_APPLIED):
        if current == S.DEFERRED:
            return _("The items to follow arrived")
        if current == S.SUPPLEMENTING:
            return _("Materials supplied: the clocks run on")
        return _("Materials complete: accept the application")
    labels = {
        S.IN_PREPARATION: _("Preparing the application"),
        S.APPLIED: _("Accept the application (materials complete)"),
        S.RENEWAL_APPLIED: _("Accept the renewal application"),
        S.DEFERRED: _("Accept with minor items to follow (容缺受理)"),
        S.MATERIALS_MISSING: _("Materials incomplete: one complete notice (补正)"),
        S.SUPPLEMENTING: _("Ask for materials during the review (the clocks stop)"),
        S.ISSUED: _("Issue: decision and certificate"),
        S.REFUSED: _("Refuse, with written reasons"),
        S.WITHDRAWN: _("Withdrawn by the applicant"),
    }
    return str(labels.get(target) or _("Mark as “%(label)s”") % {"label": S(target).label})


class LicenceStepForm(forms.Form):
    to = forms.ChoiceField(label=_("Next status"), widget=forms.HiddenInput)
    submitted_on = forms.DateField(
        label=_("Materials handed in on"),
        widget=DateInput(),
        required=False,
        help_text=_("The notice is due within 5 working days of this day."),
    )
    on = forms.DateField(label=_("Date"), widget=DateInput())
    channel = forms.ChoiceField(label=_("Channel"), choices=LicenceChannel.choices, required=False)
    at_window = forms.BooleanField(label=_("Handed in at the window (a visit)"), required=False, initial=True)
    issued_on = forms.DateField(
        label=_("Certificate dated"),
        widget=DateInput(),
        required=False,
        help_text=_("Leave empty when the certificate bears the date of the decision."),
    )
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=40, required=False)
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=DateInput(),
        required=False,
        help_text=_("Leave empty to use the catalogue's validity."),
    )
    collected = forms.BooleanField(label=_("Collected at the window today (a visit)"), required=False)
    materials = IdChoicesField(
        label=_("Missing materials"),
        queryset=LicenceMaterial.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    supply_by = forms.DateField(label=_("To be supplied by"), widget=DateInput(), required=False)
    refusal_reasons = forms.CharField(
        label=_("Reasons for the refusal"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Given to the company in writing, with its right to apply for review or to sue."),
    )
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, licence, target: str | None = None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("on", timezone.localdate())
        # One form per next step on the page: each with ids of its own, so that a label ticks its own box.
        data = args[0] if args else kwargs.get("data")
        step = target or (data.get("to") if data else "")
        kwargs.setdefault("auto_id", f"id_{step}_%s" if step in S.values else "id_%s")
        if target:
            kwargs["initial"]["to"] = target
        super().__init__(*args, **kwargs)
        self.licence = licence
        self.fields["to"].choices = [(value, S(value).label) for value in sorted(targets(licence))]
        target = target or self.data.get("to")
        self.target = target if target in S.values else ""
        self.target_label = step_label(licence.status, self.target) if self.target else ""
        shown = list(STEP_FIELDS.get(target, DEFAULT_FIELDS))
        if licence.status in WAITING:
            shown = [name for name in shown if name != "channel"]  # filed already
        else:
            shown = [name for name in shown if name != "at_window"]
        self.material_choices = []
        if "materials" in shown:
            self.material_choices = list(LicenceMaterial.objects.filter(licence_type=licence.licence_type))
            self.fields["materials"].queryset = LicenceMaterial.objects.filter(
                licence_type=licence.licence_type
            )
            reasons = []
            for material in self.material_choices:
                name = f"reason_{material.pk}"
                self.fields[name] = forms.CharField(
                    label=_("Why: %(material)s") % {"material": material.name}, max_length=200, required=False
                )
                reasons.append(name)
            at = shown.index("reasons")
            shown[at : at + 1] = reasons
        if self.target in DATE_LABELS:
            self.fields["on"].label = DATE_LABELS[self.target]
        for name in list(self.fields):
            if name not in {"to", *shown}:
                del self.fields[name]
        self.order_fields(["to", *shown])

    def details(self) -> dict:
        data = self.cleaned_data
        details = {"on": data["on"], "note": data.get("note", "")}
        for name in (
            "channel",
            "certificate_number",
            "expires_on",
            "issued_on",
            "supply_by",
            "submitted_on",
            "refusal_reasons",
            "collected",
        ):
            if data.get(name):
                details[name] = data[name]
        if "at_window" in self.fields:
            details["at_window"] = bool(data.get("at_window"))
        if "materials" in data:
            details["materials"] = list(data["materials"])
            details["reasons"] = {
                str(material.pk): data.get(f"reason_{material.pk}", "") for material in self.material_choices
            }
        return details


class TripForm(forms.Form):
    on = forms.DateField(label=_("Date of the visit"), widget=DateInput())
    purpose = forms.CharField(label=_("Purpose"), max_length=120)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)


class VehicleForm(forms.ModelForm):
    class Meta:
        model = Vehicle
        fields = ["plate", "vehicle_type", "total_mass_kg"]

    def clean_plate(self):
        return normalize_plate(self.cleaned_data["plate"])


class PersonForm(forms.ModelForm):
    mobile = MobileField(required=False)

    class Meta:
        model = Person
        fields = ["name", "role", "mobile"]


class VesselForm(forms.ModelForm):
    class Meta:
        model = Vessel
        fields = ["name", "registration_number"]


class TripPermitForm(forms.Form):
    licence_type = forms.ModelChoiceField(
        label=_("Permit"),
        queryset=LicenceType.objects.filter(scope=LicenceScope.TRIP),
        empty_label=_("Choose a permit"),
    )
    note = forms.CharField(label=_("Journey"), max_length=200, required=False)
