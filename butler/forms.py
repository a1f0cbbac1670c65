"""Forms of the butler service: they check shape and say what is wrong; services do the saving."""

import logging
from datetime import date, timedelta

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from butler.models import Butler
from companies.credit_code import normalize_credit_code, region_code, validate_credit_code
from companies.models import BusinessType, Company, Contact, District
from companies.phones import normalize_mobile, validate_mobile
from companies.services import Registration

security_log = logging.getLogger("butler.security")

# The largest key a row can have (64 bits): a larger id names nothing, and SQLite cannot even bind it.
MAX_ID = 2**63 - 1


def ids_from(values) -> list[int]:
    """The ids in ``values`` (``?cases=1,2`` or ``?cases=1&cases=2``); text, other scripts' digits and
    numbers no row can have are left out."""
    parts = (part.strip() for value in values for part in value.split(","))
    return [int(part) for part in parts if part.isascii() and part.isdigit() and int(part) <= MAX_ID]


class IdChoicesField(forms.ModelMultipleChoiceField):
    """Choices by id that refuses an id no row can have as an invalid choice, before asking the database."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk).strip()
            if text.isascii() and text.isdigit() and int(text) > MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)


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


SELECTED = mark_safe(" selected")  # noqa: S308 - a constant attribute, no user text


class QuickSelect(forms.Select):
    """A select whose options are written in Python instead of one included template each: a list of
    hundreds of butlers renders in about a millisecond instead of a fifth of a second."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (
                    "" if option["value"] is None else option["value"],
                    SELECTED if option["selected"] else "",
                    option["label"],
                )
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options
        )


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
        field_classes = {"business_types": IdChoicesField}

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


class ContactEditForm(ContactForm):
    """A contact changed by their butler or the manager. The mobile number and the e-mail address are where
    the contact signs in and receives password-reset links, so changing either asks the person making the
    change for their own password again: a session left open at the window cannot hand an account over."""

    SIGN_IN_FIELDS = ("mobile", "email")

    password = forms.CharField(
        label=_("Your password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Needed only to change the mobile number or the e-mail address."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean(self):
        cleaned = super().clean()
        if any(name in self.changed_data for name in self.SIGN_IN_FIELDS):
            password = cleaned.get("password") or ""
            if not password:
                self.add_error(
                    "password", _("Type your password to change the mobile number or the e-mail address.")
                )
            elif not self.actor.check_password(password):
                security_log.warning(
                    "password re-check failed",
                    extra={
                        "event": "reauth_failed",
                        "username": self.actor.get_username(),
                        "user_id": self.actor.pk,
                    },
                )
                self.add_error(
                    "password", _("This is not your password. Type the password you sign in with.")
                )
        return cleaned

    def contact_fields(self) -> dict:
        """What the contact service takes: everything but the password."""
        return {name: value for name, value in self.cleaned_data.items() if name != "password"}


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
        # Django sets the field's length after building it, so only the browser held to it: what is longer
        # than any username is refused here, before the sign-in (and the lockout's record of it) is tried.
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


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
