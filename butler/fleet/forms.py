"""Forms of the fleet pages: an obligation met, a vehicle leaving the fleet."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from butler.fields import DateInput
from companies.models import Evidence, VehicleExit


class ObligationForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"), widget=DateInput())
    reference = forms.CharField(label=_("Certificate or policy number"), max_length=40, required=False)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput(), required=False)

    def __init__(self, *args, obligation, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("done_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        kind = obligation.obligation_type
        if kind.evidence == Evidence.DONE:
            del self.fields["reference"]
            self.fields["valid_until"].help_text = _("Leave empty: the next is due a cadence later.")
        else:
            self.fields["done_on"].label = _("Valid from")
            self.fields["reference"].required = True
            if kind.every_months is None:
                self.fields["valid_until"].required = True


class RetireForm(forms.Form):
    on = forms.DateField(label=_("Left the fleet on"), widget=DateInput())
    reason = forms.ChoiceField(label=_("Why"), choices=VehicleExit.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)
