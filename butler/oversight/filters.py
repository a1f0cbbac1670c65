"""The manager lists' filters as filter sets (django-filter), applied by the selectors: a view hands over
what was asked (``request.GET``) and shows the filter set's form, with what was typed and its errors."""

from datetime import date, datetime

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from butler.service.models import Butler, ServicePeriod
from butler.service.search import company_matches
from companies.models import BusinessType, Company, CompanyLicence, LicenceStatus


class _Search(filters.FilterSet):
    """A company's name or unified social credit code, typed in part (``search_prefix``: the path from the
    listed rows to their company)."""

    search_prefix = ""

    q = filters.CharFilter(label=_("Search"), max_length=120, method="_search")
    butler = filters.ModelChoiceFilter(
        label=_("Butler"), queryset=Butler.objects.all(), empty_label=_("All butlers"), method="_butler"
    )

    def _search(self, queryset, name, value):
        return (
            queryset.filter(company_matches(value, prefix=self.search_prefix)) if value.strip() else queryset
        )

    @property
    def search(self) -> str:
        """The search as typed, when valid: the lists sort the closest matches first by it."""
        return self.form.cleaned_data.get("q", "") if self.is_valid() else ""


class CompanyFilter(_Search):
    without_butler = filters.BooleanFilter(
        label=_("Without a butler only"), widget=forms.CheckboxInput, method="_without_butler"
    )

    class Meta:
        model = Company
        fields = ["q", "butler", "without_butler"]

    def _butler(self, queryset, name, value):
        return queryset.filter(
            service_periods__butler=value, service_periods__status=ServicePeriod.Status.ACTIVE
        )

    def _without_butler(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(~Exists(ServicePeriod.objects.filter(company=OuterRef("pk"))))


class PeriodFilter(_Search):
    search_prefix = "company__"

    status = filters.ChoiceFilter(
        label=_("Status"), choices=ServicePeriod.Status.choices, empty_label=_("All statuses")
    )

    class Meta:
        model = ServicePeriod
        fields = ["q", "butler", "status"]

    def _butler(self, queryset, name, value):
        return queryset.filter(butler=value)


def _month(value: str) -> date:
    return datetime.strptime(value, "%Y-%m").date()


class MonthField(forms.Field):
    """A calendar month typed or picked as YYYY-MM, as the first day of that month."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM", "maxlength": 7})

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            month = _month(value)
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."), code="invalid") from None
        if not 2000 <= month.year <= 2099:
            raise forms.ValidationError(_("Choose a month between 2000 and 2099."), code="range")
        return month


class MonthFilter(filters.Filter):
    field_class = MonthField


def _unchanged(queryset, name, value):
    return queryset


class LicenceFilter(filters.FilterSet):
    """The manager's licence list: which status, which date in which month, which business type or butler.
    The date and the month are applied by the selector, which reads the month of that date's index in
    order (an invalid or missing one: obtain-by dates, this month)."""

    DATES = [
        ("obtain_by", _("Obtain by")),
        ("renew_by", _("Apply for renewal by")),
        ("expires_on", _("Expires on")),
    ]

    status = filters.ChoiceFilter(
        label=_("Status"), choices=LicenceStatus.choices, empty_label=_("Any status")
    )
    date = filters.ChoiceFilter(label=_("Which date"), choices=DATES, empty_label=None, method=_unchanged)
    month = MonthFilter(label=_("Due in month"), required=True, method=_unchanged)
    business_type = filters.ModelChoiceFilter(
        label=_("Business type"),
        queryset=BusinessType.objects.all(),
        empty_label=_("All business types"),
        method="_business_type",
    )
    butler = filters.ModelChoiceFilter(
        label=_("Butler"), queryset=Butler.objects.all(), empty_label=_("All butlers"), method="_butler"
    )

    class Meta:
        model = CompanyLicence
        fields = ["status", "date", "month", "business_type", "butler"]

    def __init__(self, data=None, *args, today: date, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.today = today

    @property
    def date_field(self) -> str:
        return (self.form.cleaned_data.get("date") if self.is_valid() else "") or "obtain_by"

    @property
    def month_chosen(self) -> date:
        chosen = self.form.cleaned_data.get("month") if self.is_valid() else None
        return chosen or self.today.replace(day=1)

    def _business_type(self, queryset, name, value):
        # Checked row by row as the date index is read, which fills a page after a few hundred rows even
        # for a type 2 % of companies have. (A join or IN starts from every company of a rare type and reads
        # all their licences; "(subquery) IS NOT NULL" is never turned into a join and is estimated as
        # nearly always true, so the planner keeps reading the index in order.)
        of_type = Company.business_types.through.objects.filter(
            company_id=OuterRef("company_id"), businesstype_id=value.pk
        )
        return queryset.alias(of_type=Subquery(of_type.values("pk")[:1])).filter(of_type__isnull=False)

    def _butler(self, queryset, name, value):
        served = ServicePeriod.objects.active().filter(butler=value)
        return queryset.filter(company_id__in=served.values("company_id"))
