"""The manager's exports (CSV and XLSX downloads of the main tables) and the printable look-back report."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone, translation

from butler.oversight.export_forms import ExportFilterForm, LookBackForm, last_month
from butler.oversight.export_tables import TABLES
from butler.oversight.lookback import lookback as lookback_report
from butler.security import roles
from butler.service.decorators import role_required
from butler.tables import FORMATS, table_response


def _index(request, form, *, status: int = 200):
    context = {"form": form, "tables": list(TABLES.values()), "formats": FORMATS}
    return render(request, "oversight/exports.html", context, status=status)


@role_required(roles.MANAGER)
def index(request):
    """The tables to download, with one filter form for all of them."""
    return _index(request, ExportFilterForm(request.GET or None))


@role_required(roles.MANAGER)
def table(request, table: str, fmt: str):
    """One table as CSV (streamed) or XLSX, filtered by the query string; bad filters: the form (400)."""
    if table not in TABLES or fmt not in FORMATS:
        raise Http404
    form = ExportFilterForm(request.GET)
    if not form.is_valid():
        return _index(request, form, status=400)
    chosen, filters = TABLES[table], form.filters()
    language = translation.get_language()

    def rows():
        with translation.override(language):  # a streamed CSV is written after the view returns
            yield from chosen.rows(filters)

    return table_response(
        headers=[str(header) for header in chosen.headers],
        rows=rows(),
        fmt=fmt,
        filename=f"{table}-{timezone.localdate():%Y-%m-%d}",
        title=str(chosen.title),
    )


@role_required(roles.MANAGER)
def lookback(request):
    """The look-back report for a window of days (the last calendar month unless chosen); it prints on A4."""
    today = timezone.localdate()
    form = LookBackForm(request.GET or None)
    since, until = last_month(today)
    if form.is_bound and form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    elif not form.is_bound:
        form = LookBackForm(initial={"since": since, "until": until})
    report = lookback_report(since=since, until=until, today=today)
    return render(
        request, "oversight/lookback.html", {"form": form, "report": report, "printed_at": timezone.now()}
    )
