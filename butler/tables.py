"""Tables leave the product (the manager's exports, a fleet's calendar) as CSV (UTF-8 with a byte-order
mark, so spreadsheet programs read Chinese correctly) or XLSX (openpyxl, written row by row). Rows are
streamed: an export of every licence in a city does not sit in memory."""

import csv
import itertools
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from tempfile import SpooledTemporaryFile

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Echo:
    def write(self, value: str) -> str:
        return value


# A text cell starting with one of these is a formula to a spreadsheet program (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _plain(value):
    """What a cell holds: local times without the zone (spreadsheets have none), text for the rest. Text
    loses the control characters a worksheet cannot hold (pasted text may carry them)."""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None or isinstance(value, (int, float, Decimal, date)):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _csv_value(value):
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value  # shown as text, never run
    return value


def _csv_rows(headers: Sequence[str], rows: Iterable[Sequence]):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(h) for h in headers])
    for row in rows:
        yield writer.writerow([_csv_value(v) for v in row])


def _xlsx_cell(sheet, value):
    value = _plain(value)
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text stays text, even when it starts with "=" (never a formula)
        return cell
    return value


WIDTH_SAMPLE = 200  # rows read ahead to size the columns (a write-only sheet is sized before its rows)
MAX_WIDTH = 60


def _text_width(value) -> int:
    """Characters a cell needs: a Chinese character takes two; dates and times their printed length."""
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _widths(headers: Sequence, sample: list) -> list[float]:
    widths = []
    for index, header in enumerate(headers):
        needed = [_text_width(header)] + [_text_width(row[index]) for row in sample if index < len(row)]
        widths.append(min(max(needed) + 2, MAX_WIDTH))
    return widths


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
    rows = iter(rows)
    sample = list(itertools.islice(rows, WIDTH_SAMPLE))
    for index, width in enumerate(_widths(headers, sample), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"  # the header stays in view
    bold = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font = Font(bold=True)
        bold.append(cell)
    sheet.append(bold)
    count = 0
    for row in itertools.chain(sample, rows):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    spool = SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE)
