"""The manager lists' filters as filter sets (django-filter), applied by the selectors: a view hands over
what was asked (``request.GET``) and shows the filter set's form, with what was typed and its errors."""

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from butler.service.models import Butler, ServicePeriod
from butler.service.search import company_matches
from companies.models import Company


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
