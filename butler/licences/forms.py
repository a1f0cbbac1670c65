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

# What each step asks for, beyond the date.
STEP_FIELDS = {
    S.APPLIED: ["on", "channel", "note"],
    S.RENEWAL_APPLIED: ["on", "channel", "note"],
    S.MATERIALS_MISSING: ["on", "materials", "note"],
    S.ISSUED: ["on", "certificate_number", "expires_on", "note"],
}
DEFAULT_FIELDS = ["on", "note"]


def step_label(current: str, target: str) -> str:
    """What the butler is doing, in words, rather than the bare next status."""
    if current == S.MATERIALS_MISSING and target in (S.APPLIED, S.RENEWAL_APPLIED):
        return _("Materials supplied: the application continues")
    labels = {
        S.IN_PREPARATION: _("Preparing the application"),
        S.APPLIED: _("Application accepted"),
        S.RENEWAL_APPLIED: _("Renewal application accepted"),
        S.MATERIALS_MISSING: _("Materials missing: one-time complete notice"),
        S.ISSUED: _("Certificate issued"),
    }
    return str(labels.get(target) or _("Mark as “%(label)s”") % {"label": S(target).label})


class LicenceStepForm(forms.Form):
    to = forms.ChoiceField(label=_("Next status"), widget=forms.HiddenInput)
    on = forms.DateField(label=_("Date"), widget=DateInput())
    channel = forms.ChoiceField(label=_("Channel"), choices=LicenceChannel.choices, required=False)
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=40, required=False)
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=DateInput(),
        required=False,
        help_text=_("Leave empty to use the catalogue's validity."),
    )
    materials = IdChoicesField(
        label=_("Missing materials"),
        queryset=LicenceMaterial.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, licence, target: str | None = None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("on", timezone.localdate())
        if target:
            kwargs["initial"]["to"] = target
        super().__init__(*args, **kwargs)
        self.licence = licence
        self.fields["to"].choices = [(value, S(value).label) for value in sorted(targets(licence))]
        self.fields["materials"].queryset = LicenceMaterial.objects.filter(licence_type=licence.licence_type)
        target = target or self.data.get("to")
        self.target = target if target in S.values else ""
        self.target_label = step_label(licence.status, self.target) if self.target else ""
        shown = STEP_FIELDS.get(target, DEFAULT_FIELDS)
        for name in list(self.fields):
            if name not in {"to", *shown}:
                del self.fields[name]

    def details(self) -> dict:
        data = self.cleaned_data
        details = {"on": data["on"], "note": data.get("note", "")}
        for name in ("channel", "certificate_number", "expires_on"):
            if data.get(name):
                details[name] = data[name]
        if "materials" in data:
            details["materials"] = list(data["materials"])
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
