"""The service period's own forms."""

from django import forms
from django.utils.translation import gettext_lazy as _


class HandoverForm(forms.Form):
    note = forms.CharField(
        label=_("Handover note"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
