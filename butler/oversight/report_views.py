"""The year's report (printable, CSV/XLSX) and the catalogue's committed limits behind the compression."""

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from butler.oversight.reform import limit_rows
from butler.oversight.report import year_report
from butler.security import roles
from butler.service.decorators import role_required
from butler.tables import FORMATS, table_response

FIRST_YEAR = 2000


class YearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=FIRST_YEAR)

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("A report covers a year that has begun."))
        return year


def _year(request) -> tuple[YearForm, int]:
    """The year asked for, or this year (with the form's error) when it cannot be used."""
    form = YearForm(request.GET or None, initial={"year": timezone.localdate().year})
    year = form.cleaned_data["year"] if form.is_valid() else timezone.localdate().year
    return form, year


@role_required(roles.MANAGER)
def year(request):
    form, chosen = _year(request)
    context = {"form": form, "report": year_report(chosen), "printed_at": timezone.localtime()}
    return render(request, "oversight/year_report.html", context)


@role_required(roles.MANAGER)
def year_export(request, fmt: str):
    if fmt not in FORMATS:
        raise Http404
    _form, chosen = _year(request)
    report = year_report(chosen)
    return table_response(
        headers=[_("Figure"), _("Value"), _("Note")],
        rows=[[line.export_label, line.export_value, str(line.definition)] for line in report.lines],
        fmt=fmt,
        filename=f"year-report-{chosen}",
        title=_("Year report %(year)s") % {"year": chosen},
    )


@role_required(roles.MANAGER)
def limits(request):
    rows = limit_rows()
    statutory, committed = sum(r.statutory for r in rows), sum(r.committed for r in rows)
    context = {
        "rows": rows,
        "statutory": statutory,
        "committed": committed,
        "compression": 1 - committed / statutory if statutory else None,
    }
    return render(request, "oversight/limits.html", context)
