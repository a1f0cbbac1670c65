"""Forms of the contact log: two fields to fill, the rest when it matters."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from butler.contactlog.models import ContactRecord
from butler.contactlog.services import MAX_RETURN_VISIT_DAYS
from companies.models import CompanyLicence
from companies.models import LicenceStatus as S


class _ConsultationForm(forms.Form):
    """What every consultation records: how, what about, and whether it matters enough to revisit."""

    channel = forms.ChoiceField(label=_("How"), choices=ContactRecord.Channel.choices)
    summary = forms.CharField(
        label=_("What it was about"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    important = forms.BooleanField(label=_("Important"), required=False)
    return_visit_in = forms.IntegerField(
        label=_("Return visit in (working days)"),
        required=False,
        min_value=1,
        max_value=MAX_RETURN_VISIT_DAYS,
        help_text=_("Important matters get a return visit (重要事情再回访)."),
    )


class ContactRecordForm(_ConsultationForm):
    field_order = [
        "channel",
        "summary",
        "occurred_at",
        "participants",
        "licence",
        "important",
        "return_visit_in",
    ]
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        help_text=_("Empty: now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    participants = forms.CharField(label=_("Who took part"), max_length=200, required=False)
    licence = forms.ModelChoiceField(
        label=_("Licence it concerns"), queryset=CompanyLicence.objects.none(), required=False
    )

    def __init__(self, *args, company=None, **kwargs):
        super().__init__(*args, **kwargs)
        if company is not None:
            # The company's own licences, and those of its vehicles, people and vessels that still need
            # something — not the hundreds of certificates of a large fleet that are in order.
            settled = [S.ISSUED, S.NOT_REQUIRED, S.WITHDRAWN, S.CANCELLED]
            self.fields["licence"].queryset = (
                CompanyLicence.objects.filter(company=company)
                .filter(
                    Q(vehicle__isnull=True, person__isnull=True, vessel__isnull=True) | ~Q(status__in=settled)
                )
                .select_related("licence_type", "vehicle", "person", "vessel")
            )


class ReturnVisitForm(forms.Form):
    outcome = forms.CharField(
        label=_("What came of the return visit"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class EnquiryForm(_ConsultationForm):
    """A consultation from someone whose company may not be registered yet."""

    field_order = ["enquirer_name", "enquirer_phone", "enquirer_company", "enquirer_credit_code"]
    enquirer_name = forms.CharField(label=_("Enquirer's name"), max_length=60, required=False)
    enquirer_phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    enquirer_company = forms.CharField(
        label=_("Company (if any)"), max_length=120, required=False, help_text=_("As the enquirer names it.")
    )
    enquirer_credit_code = forms.CharField(
        label=_("Credit code (if known)"),
        max_length=18,
        required=False,
        help_text=_("The consultation joins the company's contact log when it registers."),
    )


class HotlineImportForm(forms.Form):
    file = forms.FileField(
        label=_("Work orders exported by the 12345 hotline"),
        help_text=_("An Excel workbook (.xlsx) or CSV file."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
