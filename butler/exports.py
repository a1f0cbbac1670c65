"""Tables leave the product as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read Chinese
correctly) or XLSX (openpyxl, written row by row). Rows are streamed: an export of every licence in a city
does not sit in memory."""

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from tempfile import SpooledTemporaryFile

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Echo:
    def write(self, value: str) -> str:
        return value


def _plain(value):
    """What a cell holds: local times without the zone (spreadsheets have none), text for the rest."""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None or isinstance(value, (int, float, date)):
        return value
    return str(value)


def _csv_rows(headers: Sequence[str], rows: Iterable[Sequence]):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(h) for h in headers])
    for row in rows:
        values = [_plain(v) for v in row]
        yield writer.writerow(
            [
                "" if v is None else (v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v)
                for v in values
            ]
        )


def table_response(
    *, headers: Sequence[str], rows: Iterable[Sequence], fmt: str, filename: str, title: str = ""
) -> HttpResponse:
    """A download of the table in ``fmt`` (csv or xlsx) named ``filename`` plus the extension."""
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_rows(headers, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(title or filename)[:31])
    bold = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font = Font(bold=True)
        bold.append(cell)
    sheet.append(bold)
    for row in rows:
        sheet.append([_plain(value) for value in row])
    spool = SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE)
