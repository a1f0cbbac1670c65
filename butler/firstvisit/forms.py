"""The first visit's search form."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CompanySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Credit code or company name"),
        max_length=120,
        widget=forms.TextInput(
            attrs={"autofocus": True, "placeholder": _("e.g. 91330206MA2H7K3P2Y or 顺达物流")}
        ),
    )


class RegistrationsImportForm(forms.Form):
    file = forms.FileField(
        label=_("Newly registered companies, as the market regulator lists them"),
        help_text=_("An Excel workbook (.xlsx) or CSV file."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
