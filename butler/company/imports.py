"""Vehicles or people of a company imported from a CSV or XLSX file by its butler or the manager."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from butler.company.services import company_subjects_import
from butler.fields import add_service_error
from butler.security import roles
from butler.service import access
from butler.service.decorators import role_required
from companies import imports
from companies.models import Company, PersonRole, VehicleType


class SubjectsImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel (.xlsx) file"), widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"})
    )


@role_required(roles.BUTLER, roles.MANAGER)
@require_http_methods(["GET", "POST"])
def import_subjects(request, pk: int, kind: str):
    if kind not in imports.KINDS:
        raise Http404
    company = access.obtain(request.user, access.CHANGE, Company.objects.all(), pk)
    form = SubjectsImportForm(request.POST or None, request.FILES or None)
    errors: list[imports.RowError] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = company_subjects_import(
                actor=request.user, company=company, kind=kind, uploaded=form.cleaned_data["file"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if not result.errors:
                messages.success(request, _imported(kind, result.created, result.updated))
                return redirect("company:detail", pk=company.pk)
            errors = result.errors
    choices = VehicleType if kind == "vehicles" else PersonRole
    context = {
        "form": form,
        "company": company,
        "kind": kind,
        "errors": errors,
        "choice_labels": [label for _value, label in choices.choices],
        "max_bytes": getattr(settings, "BUTLER_IMPORT_MAX_BYTES", imports.DEFAULT_MAX_BYTES),
    }
    return render(request, "company/subjects_import.html", context)


def _imported(kind: str, count: int, updated: int = 0) -> str:
    if kind == "vehicles":
        text = ngettext("%(count)d vehicle imported.", "%(count)d vehicles imported.", count)
    else:
        text = ngettext("%(count)d person imported.", "%(count)d people imported.", count)
    text = text % {"count": count}
    if updated and kind == "vehicles":
        text += " " + ngettext(
            "%(count)d already in the fleet brought up to date.",
            "%(count)d already in the fleet brought up to date.",
            updated,
        ) % {"count": updated}
    elif updated:
        text += " " + ngettext(
            "%(count)d already on the list brought up to date.",
            "%(count)d already on the list brought up to date.",
            updated,
        ) % {"count": updated}
    return text
