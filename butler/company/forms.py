"""A company's profile, registration and people, and the forms that transfer or end its service period."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from butler.fields import CreditCodeField, DateInput, IdChoicesField, MobileField, security_log
from butler.service.models import Butler
from companies.credit_code import region_code
from companies.models import BusinessType, Company, Contact, District
from companies.services import Registration
from companies.services.registry import STATUS_STEPS


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
        fields = ["credit_code", *CompanyProfileForm.Meta.fields, "status"]

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
        # A company comes to its first matter in preparation or operating; stopping and closing have a page.
        self.fields["status"].choices = [
            (value, label)
            for value, label in Company.Status.choices
            if value in (Company.Status.PREPARING, Company.Status.OPERATING)
        ]

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


class CompanyStatusForm(forms.Form):
    """The company stops (停业), resumes, closes down (歇业) or is deregistered (注销)."""

    status = forms.ChoiceField(label=_("New status"), widget=forms.RadioSelect)
    on = forms.DateField(label=_("Since"), widget=DateInput())
    reason = forms.CharField(
        label=_("Why"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the record, and in the notes of every licence it ends."),
    )

    def __init__(self, *args, company, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)
        allowed = STATUS_STEPS.get(company.status, set())
        self.fields["status"].choices = [
            (value, label) for value, label in Company.Status.choices if value in allowed
        ]
