"""The filters of the manager's exports and the dates of the look-back report: shape and messages only."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from butler.fields import DateInput, RangeDateField
from butler.oversight.export_tables import ExportFilters
from butler.service.models import Butler
from companies.models import BusinessType, LicenceStatus


class ExportFilterForm(forms.Form):
    """One form for every table; each table applies the filters it has (see ``export_tables``)."""

    since = RangeDateField(label=_("From"), required=False, widget=DateInput())
    until = RangeDateField(label=_("To"), required=False, widget=DateInput())
    butler = forms.ModelChoiceField(
        label=_("Butler"), queryset=Butler.objects.all(), required=False, empty_label=_("All butlers")
    )
    business_type = forms.ModelChoiceField(
        label=_("Business type"),
        queryset=BusinessType.objects.all(),
        required=False,
        empty_label=_("All business types"),
    )
    status = forms.ChoiceField(label=_("Licence status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *LicenceStatus.choices]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end of the period cannot be before its start."))
        return data

    def filters(self) -> ExportFilters:
        data = self.cleaned_data
        return ExportFilters(
            since=data.get("since"),
            until=data.get("until"),
            butler=data.get("butler"),
            business_type=data.get("business_type"),
            status=data.get("status") or "",
        )


def last_month(today: date | None = None) -> tuple[date, date]:
    """The last calendar month before ``today``'s: its first and its last day."""
    today = today or timezone.localdate()
    last_day = today.replace(day=1) - timedelta(days=1)
    return last_day.replace(day=1), last_day


class LookBackForm(forms.Form):
    """The report's window of days; empty dates mean the last calendar month."""

    MAX_DAYS = 366

    since = RangeDateField(label=_("From"), required=False, widget=DateInput())
    until = RangeDateField(label=_("To"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        today = timezone.localdate()
        first, last = last_month(today)
        data["since"] = data.get("since") or first
        data["until"] = data.get("until") or (last if data["since"] <= last else today)
        if data["since"] > data["until"]:
            self.add_error("until", _("The end of the period cannot be before its start."))
        elif (data["until"] - data["since"]).days >= self.MAX_DAYS:
            self.add_error("until", _("Choose at most a year at a time."))
        return data
