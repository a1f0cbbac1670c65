"""Forms for the licence pages: steps of the life cycle, trips, subjects."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from butler.fields import DateInput, IdChoicesField, MobileField
from companies.lifecycle import acceptance_for, targets
from companies.models import (
    BusinessScope,
    CompanyLicence,
    LicenceChannel,
    LicenceMaterial,
    LicenceScope,
    LicenceStatus,
    LicenceType,
    Person,
    ResultDelivery,
    RouteSpan,
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
    S.ISSUED: [
        "on",
        "issued_on",
        "certificate_number",
        "expires_on",
        "business_scopes",
        "commitment",
        "collected",
        "note",
    ],
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
    business_scopes = forms.ModelMultipleChoiceField(
        label=_("Business scope"),
        queryset=BusinessScope.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The classes the licence covers: they decide which permits the company may apply for."),
    )
    commitment = forms.CharField(
        label=_("Signed commitment"),
        max_length=120,
        required=False,
        help_text=_("告知承诺制: its number or where it is filed; the window verifies it later."),
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
        kind = licence.licence_type
        if not kind.has_business_scope:
            shown = [name for name in shown if name != "business_scopes"]
        elif "business_scopes" in shown and not self.is_bound:
            self.initial["business_scopes"] = list(licence.business_scopes.all())
        if not kind.by_commitment:
            shown = [name for name in shown if name != "commitment"]
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
        if licence.is_pass and self.target == S.ISSUED:
            self.fields["expires_on"].label = _("Pass valid until")
            self.fields["expires_on"].help_text = _("Up to %(months)s months.") % {
                "months": kind.max_pass_months
            }
        if "commitment" in shown:
            self.fields["commitment"].required = True
        if "business_scopes" in shown and not (licence.first_issued_on or licence.issued_on):
            self.fields["business_scopes"].required = True
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
            "commitment",
        ):
            if data.get(name):
                details[name] = data[name]
        if "business_scopes" in self.fields:
            details["business_scopes"] = list(data.get("business_scopes") or [])
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
        fields = ["plate", "vehicle_type", "total_mass_kg", "registered_on"]
        widgets = {"registered_on": DateInput()}

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
    route_span = forms.ChoiceField(
        label=_("Route"),
        choices=[("", _("—")), *RouteSpan.choices],
        required=False,
        help_text=_("For an oversize permit: it decides which authority issues it."),
    )
    is_pass = forms.BooleanField(label=_("Pass for repeated identical trips"), required=False)
    note = forms.CharField(label=_("Journey"), max_length=200, required=False)


class ApplicationForm(forms.Form):
    """Several of the company's licences filed together as one matter (a fleet's certificates at once),
    at the window, online or by post, by the company or by the butler for it (帮办代办)."""

    licences = forms.ModelMultipleChoiceField(
        label=_("Filed together"),
        queryset=CompanyLicence.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick the licences filed together.")},
    )
    on = forms.DateField(label=_("Accepted on"), widget=DateInput())
    channel = forms.ChoiceField(label=_("Channel"), choices=LicenceChannel.choices)
    result_by = forms.ChoiceField(label=_("Result delivered"), choices=ResultDelivery.choices)
    by_proxy = forms.BooleanField(
        label=_("Filed by the butler for the company (帮办代办)"),
        required=False,
        help_text=_("No visit for the company: the butler hands the materials in."),
    )
    authorisation = forms.CharField(
        label=_("Letter of authorisation"),
        max_length=120,
        required=False,
        help_text=_("Its number or where it is filed."),
    )
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, company, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)
        # What can be filed now: to obtain, or renewals due (a licence held far from its renewal is not).
        fileable = [
            licence.pk for licence in company.licences.exclude(status=S.ISSUED) if acceptance_for(licence)
        ]
        self.fields["licences"].queryset = (
            CompanyLicence.objects.filter(pk__in=fileable)
            .select_related("licence_type", "vehicle", "person", "vessel")
            .order_by("licence_type__position", "subject_key")
        )
        self.fields["licences"].label_from_instance = self._label

    @staticmethod
    def _label(licence) -> str:
        step = _("renewal") if acceptance_for(licence) == S.RENEWAL_APPLIED else _("first application")
        return f"{licence} · {licence.get_status_display()} · {step}"

    def clean(self):
        data = super().clean()
        if data.get("by_proxy") and not (data.get("authorisation") or "").strip():
            self.add_error("authorisation", _("Note the letter of authorisation the company signed."))
        return data


class VerifyForm(forms.Form):
    """The later check of a commitment-based approval (告知承诺制)."""

    on = forms.DateField(label=_("Checked on"), widget=DateInput())
    kept = forms.TypedChoiceField(
        label=_("Finding"),
        choices=[("1", _("The commitment is kept")), ("0", _("Not kept: revoke the licence"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What the check found"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)


class CancelNoticeForm(forms.Form):
    """The authority's public notice (公告) that a lapsed licence will be cancelled."""

    on = forms.DateField(label=_("Notice published on"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)
