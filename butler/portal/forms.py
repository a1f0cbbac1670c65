"""Accepting a portal invitation, and a contact's choice of reminder channel."""

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from butler.fields import MobileField
from companies.models import ReminderChoice


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


class ReminderChoiceForm(forms.Form):
    channel = forms.ChoiceField(label=_("Other reminders reach me"), widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = ReminderChoice.choices
