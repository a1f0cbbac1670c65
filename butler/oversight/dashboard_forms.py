"""The dashboard's filters: a date range, a butler and a business type."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from butler.fields import QuickSelect, RangeDateField
from butler.oversight.dashboard_scope import default_range
from butler.service.models import Butler
from companies.models import BusinessType


class DashboardFilterForm(forms.Form):
    MAX_DAYS = 3 * 366

    since = RangeDateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = RangeDateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    butler = forms.ModelChoiceField(
        label=_("Butler"),
        queryset=Butler.objects.all(),
        required=False,
        empty_label=_("All butlers"),
        widget=QuickSelect,  # a province has hundreds of butlers
    )
    business_type = forms.ModelChoiceField(
        label=_("Business type"),
        queryset=BusinessType.objects.all(),
        required=False,
        empty_label=_("All business types"),
    )

    def clean(self):
        data = super().clean()
        default_since, default_until = default_range()
        data["since"] = data.get("since") or default_since
        data["until"] = data.get("until") or default_until
        if data["since"] > data["until"]:
            self.add_error("until", _("The end of the period cannot be before its start."))
        elif (data["until"] - data["since"]).days > self.MAX_DAYS:
            self.add_error("until", _("Choose at most three years at a time."))
        return data

    def filters(self) -> dict:
        """The filters for ``dashboard_figures`` and ``drill_rows``: what the user chose if it is valid,
        otherwise the last 90 days for everyone."""
        today = timezone.localdate()
        if not self.is_valid():
            since, until = default_range(today)
            return {
                "since": since,
                "until": until,
                "butler_id": None,
                "business_type_id": None,
                "today": today,
            }
        data = self.cleaned_data
        return {
            "since": data["since"],
            "until": data["until"],
            "butler_id": data["butler"].pk if data["butler"] else None,
            "business_type_id": data["business_type"].pk if data["business_type"] else None,
            "today": today,
        }
