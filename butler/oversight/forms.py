"""The manager lists' filters."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from butler.fields import RangeDateField


class DeliveryFilterForm(forms.Form):
    """The manager's delivery page: which outcome, scheduled in which days."""

    STATUSES = [
        ("failed", _("Failed")),
        ("late", _("Sent late")),
        ("sent", _("Sent")),
        ("pending", _("Waiting")),
        ("skipped", _("Skipped")),
        ("cancelled", pgettext_lazy("reminder status", "Cancelled")),
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
