"""The audit lists' filters as filter sets (django-filter): the cases and the ratings a user may see,
narrowed by what was asked. The list's tab (which cases; which stars) is validated with the rest but
applied by the page, which counts each tab first."""

from datetime import timedelta

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from butler.feedback.models import AuditCase, Rating, Stars
from butler.fields import DateInput, RangeDateField
from butler.service.models import Butler
from companies.workdays import local_midnight


class RangeDateFilter(filters.DateFilter):
    field_class = RangeDateField


class _RangeForm(forms.Form):
    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end of the period cannot be before its start."))
        return data


def _unchanged(queryset, name, value):
    return queryset


class _AuditFilter(filters.FilterSet):
    """Shared by the lists: the butler concerned and a range of days (``day_field``: when a row happened)."""

    day_field = "created_at"

    butler = filters.ModelChoiceFilter(
        label=_("About the butler"), queryset=Butler.objects.all(), empty_label=_("All butlers")
    )
    since = RangeDateFilter(label=_("From"), widget=DateInput(), method="_since")
    until = RangeDateFilter(label=_("To"), widget=DateInput(), method="_until")

    def _since(self, queryset, name, value):
        return queryset.filter(**{f"{self.day_field}__gte": local_midnight(value)})

    def _until(self, queryset, name, value):
        return queryset.filter(**{f"{self.day_field}__lt": local_midnight(value + timedelta(days=1))})


class _CaseForm(_RangeForm):
    field_order = ["show", "kind", "butler", "since", "until"]


class CaseFilter(_AuditFilter):
    OPEN, AT_RISK, OVERDUE, CLOSED, ALL = "open", "at_risk", "overdue", "closed", "all"
    SHOW = [
        (OPEN, pgettext_lazy("cases", "Open")),
        (AT_RISK, _("At risk")),
        (OVERDUE, _("Overdue")),
        (CLOSED, _("Closed")),
        (ALL, _("All")),
    ]
    RATING, SUGGESTION = "rating", "suggestion"

    day_field = "opened_at"

    show = filters.ChoiceFilter(label=_("Cases"), choices=SHOW, empty_label=None, method=_unchanged)
    kind = filters.ChoiceFilter(
        label=_("Feedback"),
        choices=[(RATING, _("Bad ratings")), (SUGGESTION, _("Suggestions"))],
        empty_label=_("Bad ratings and suggestions"),
        method="_kind",
    )
    butler = filters.ModelChoiceFilter(
        label=_("About the butler"),
        queryset=Butler.objects.all(),
        empty_label=_("All butlers"),
        field_name="concerns",
    )

    class Meta:
        model = AuditCase
        fields = ["show", "kind", "butler", "since", "until"]
        form = _CaseForm

    def _kind(self, queryset, name, value):
        return queryset.filter(**{f"{value}__isnull": False})

    @property
    def show_chosen(self) -> str:
        """The tab asked for (open cases unless another is chosen)."""
        return (self.form.cleaned_data.get("show") if self.is_valid() else "") or self.OPEN


class _RatingForm(_RangeForm):
    field_order = ["stars", "kind", "butler", "since", "until"]


class RatingFilter(_AuditFilter):
    BAD = "bad"

    stars = filters.ChoiceFilter(
        label=_("Stars"),
        choices=[(BAD, _("Bad ratings (★1–2)"))],
        empty_label=_("All ratings"),
        method=_unchanged,
    )
    kind = filters.ChoiceFilter(
        label=_("What is rated"), choices=Rating.Kind.choices, empty_label=_("Everything")
    )

    class Meta:
        model = Rating
        fields = ["stars", "kind", "butler", "since", "until"]
        form = _RatingForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["stars"].extra["choices"] = [
            (self.BAD, _("Bad ratings (★1–2)")),
            *((str(value), f"★{value} {label}") for value, label in Stars.choices),
        ]

    @property
    def stars_chosen(self) -> str:
        return (self.form.cleaned_data.get("stars") if self.is_valid() else "") or ""
