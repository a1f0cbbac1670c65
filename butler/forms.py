"""Forms of the butler service: they check shape and say what is wrong; services do the saving."""

from datetime import date, timedelta

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from butler.models import Butler
from companies.credit_code import normalize_credit_code, region_code, validate_credit_code
from companies.models import BusinessType, Company, Contact, District
from companies.phones import normalize_mobile, validate_mobile
from companies.services import Registration


class CreditCodeField(forms.CharField):
    default_validators = [validate_credit_code]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("label", _("Unified social credit code"))
        super().__init__(**kwargs)

    def to_python(self, value):
        return normalize_credit_code(super().to_python(value))


class MobileField(forms.CharField):
    default_validators = [validate_mobile]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("Mobile"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def to_python(self, value):
        return normalize_mobile(super().to_python(value))


class RangeDateField(forms.DateField):
    """A date that bounds a list or a report: within 2000–2099, so that a range's end plus a day is a date."""

    FIRST, LAST = date(2000, 1, 1), date(2099, 12, 31)

    def validate(self, value):
        super().validate(value)
        if value is not None and not self.FIRST <= value <= self.LAST:
            raise forms.ValidationError(_("Choose a date between 2000 and 2099."), code="out_of_range")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CompanySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Credit code or company name"),
        max_length=120,
        widget=forms.TextInput(
            attrs={"autofocus": True, "placeholder": _("e.g. 91330206MA2H7K3P2Y or 顺达物流")}
        ),
    )


class CompanyProfileForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = [
            "name",
            "registered_on",
            "district",
            "business_types",
            "address",
            "legal_representative",
            "status",
        ]
        widgets = {"registered_on": DateInput(), "business_types": forms.CheckboxSelectMultiple}

    def profile(self) -> dict:
        """The profile as ``company_update`` takes it."""
        data = self.cleaned_data
        fields = {name: data[name] for name in CompanyProfileForm.Meta.fields if name != "business_types"}
        return fields | {"business_types": list(data["business_types"])}


class CompanyRegistrationForm(CompanyProfileForm):
    """A new company at the window: its registry data and the person who came to the window."""

    credit_code = CreditCodeField()
    contact_name = forms.CharField(label=_("Contact name"), max_length=60)
    contact_mobile = MobileField(label=_("Contact mobile"))
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False, max_length=254)
    contact_position = forms.CharField(label=_("Contact position"), max_length=60, required=False)

    class Meta(CompanyProfileForm.Meta):
        fields = ["credit_code", *CompanyProfileForm.Meta.fields]

    field_order = [
        "credit_code",
        "name",
        "registered_on",
        "district",
        "business_types",
        "address",
        "legal_representative",
        "status",
        "contact_name",
        "contact_mobile",
        "contact_email",
        "contact_position",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_types"].queryset = BusinessType.objects.all()
        self.fields["business_types"].required = True

    def validate_unique(self):
        """A code that exists is not an error here: the view shows that company instead."""

    def registration(self) -> Registration:
        data = self.cleaned_data
        return Registration(
            name=data["name"],
            credit_code=data["credit_code"],
            registered_on=data["registered_on"],
            district=data["district"],
            address=data["address"],
            legal_representative=data["legal_representative"],
            status=data["status"],
            business_types=list(data["business_types"]),
            contact_name=data["contact_name"],
            contact_mobile=data["contact_mobile"],
            contact_email=data.get("contact_email", ""),
            contact_position=data.get("contact_position", ""),
        )

    @staticmethod
    def initial_for_code(code: str) -> dict:
        initial = {"credit_code": code, "registered_on": timezone.localdate()}
        if code and region_code(code) in District.values:
            initial["district"] = region_code(code)
        return initial


class ContactForm(forms.ModelForm):
    mobile = MobileField()

    class Meta:
        model = Contact
        fields = ["name", "position", "mobile", "email", "is_primary"]
        help_texts = {"is_primary": _("To change the primary contact, mark another contact as primary.")}

    def validate_unique(self):
        """The service hands the primary role over; the database keeps it to one per company."""


class TransferForm(forms.Form):
    to_butler = forms.ModelChoiceField(label=_("New butler"), queryset=Butler.objects.none())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)

    def __init__(self, *args, current_butler: Butler, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_butler"].queryset = Butler.objects.filter(active=True, user__is_active=True).exclude(
            pk=current_butler.pk
        )


class EndEarlyForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


class CompanyFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=120)
    butler = forms.ModelChoiceField(
        label=_("Butler"), queryset=Butler.objects.all(), required=False, empty_label=_("All butlers")
    )
    without_butler = forms.BooleanField(label=_("Without a butler only"), required=False)


class PeriodFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=120)
    butler = forms.ModelChoiceField(
        label=_("Butler"), queryset=Butler.objects.all(), required=False, empty_label=_("All butlers")
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        from butler.models import ServicePeriod

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *ServicePeriod.Status.choices]


class InvitationAcceptForm(forms.Form):
    mobile = MobileField(
        label=_("Your mobile number"), help_text=_("The number you gave the window, to confirm it is you.")
    )
    password1 = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("New password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password1"):
            try:
                validate_password(data["password1"])
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class SignInForm(AuthenticationForm):
    """Django's sign-in form; company contacts may type their mobile number instead of a username."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username or mobile number")
        self.fields["username"].widget.attrs["autofocus"] = True


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form: on the field it names when the form has it, else above."""
    if hasattr(error, "error_dict"):
        for field_name, errors in error.error_dict.items():
            form.add_error(field_name if field_name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class DeliveryFilterForm(forms.Form):
    """The manager's delivery page: which outcome, scheduled in which days."""

    STATUSES = [
        ("failed", _("Failed")),
        ("late", _("Sent late")),
        ("sent", _("Sent")),
        ("pending", _("Waiting")),
        ("skipped", _("Skipped")),
        ("cancelled", _("Cancelled")),
    ]
    MAX_DAYS = 366

    status = forms.ChoiceField(label=_("Outcome"), choices=STATUSES, required=False)
    since = RangeDateField(
        label=_("Scheduled from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = RangeDateField(label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["status"] = data.get("status") or "failed"
        data["since"] = data.get("since") or today - timedelta(days=30)
        data["until"] = data.get("until") or today
        if data["since"] > data["until"]:
            self.add_error("until", _("The end of the period cannot be before its start."))
        elif (data["until"] - data["since"]).days > self.MAX_DAYS:
            self.add_error("until", _("Choose at most a year at a time."))
        return data


class ReminderChoiceForm(forms.Form):
    channel = forms.ChoiceField(label=_("Other reminders reach me"), widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        from companies.models import ReminderChoice

        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = ReminderChoice.choices


class HandoverForm(forms.Form):
    note = forms.CharField(
        label=_("Handover note"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
