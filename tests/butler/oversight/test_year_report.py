"""A year's report in the shape of the seed article's table: the lines for a year against the hand-counted
scene of ``reform_scene`` (read its docstring first), the printable page, the CSV and XLSX exports, and a year
that cannot be shown (in the future, before 2000, not a number), which gives the form's error and this
year's report — never a server error.

The year 2026, seen on Friday 20 November 2026, counts besides November's rows: the world's companies A and
B (registered 2026-10-01, both reached), R5 (registered in October), B's October application, R3's October
decision (on the spot, 30 minutes) and the October consultation C5 (its return visit due and not made).
"""

import csv
import io
import re
from datetime import date
from html import unescape

import openpyxl
import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from butler.oversight.report import year_report
from tests.butler.oversight.reform_scene import BASELINE, TODAY, at, build_reform_scene

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def scene(world):
    with override_settings(BUTLER_REFORM_BASELINE=BASELINE), time_machine.travel(at(11, 20, 10), tick=True):
        yield build_reform_scene(world)


@pytest.fixture
def manager(scene, client):
    client.force_login(scene.world.manager)
    return client


def expected_2026(scene) -> dict[str, tuple[str, str]]:
    """The year's lines as the CSV export writes them: label → (value, note)."""
    n = scene.materials
    return {
        "New transport companies registered in the district": ("6", ""),  # A, B, R1, R2, R3, R5
        "New companies reached by a butler": ("4", "66.7%"),  # A, B, R1, R2
        "Butler service cards issued": ("5", ""),  # A, B, R1, R2 and R4
        "Materials in the catalogue, before → after": (f"{n} → {n - 1}", "since 2026-11-03"),
        "Material reduction (%)": (str(round(100 / n, 1)), ""),
        "Materials obtained by data sharing (counted apart)": ("2", ""),
        "Committed-limit compression (%)": ("62.5", "40 → 15 working days"),
        "Matters filed": ("5", ""),
        "Online share (%)": ("60.0", ""),  # online twice, by mobile once
        "Matters issued": ("6", ""),
        "Zero-trip share (%)": ("100.0", ""),
        "On-the-spot share (%)": ("80.0", ""),  # A, B, R1 and R3 of five decisions with their times
        "Median on-the-spot time (minutes)": ("35.0", ""),  # 20, 30, 40, 90
        "Consultations recorded": ("7", ""),
        "of which without a registered company": ("4", ""),  # C2, C3, C5, C7
        "of which 12345 hotline work orders": ("2", ""),
        "Important consultations revisited (%)": ("25.0", ""),  # C2 of C2, C3, C5, C7
        "Ratings": ("0", ""),
        "Satisfied ratings (★3–5) (%)": ("—", ""),
    }


def export(client, fmt: str, query: str) -> tuple[object, bytes]:
    response = client.get(reverse("oversight:year_report_export", args=[fmt]) + query, **EN)
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


def csv_lines(content: bytes) -> dict[str, tuple[str, str]]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["Figure", "Value", "Note"]
    return {label: (value, note) for label, value, note in rows[1:]}


def test_the_csv_export_has_the_hand_counted_figures_of_the_year(scene, manager):
    response, content = export(manager, "csv", "?year=2026")
    assert response["Content-Disposition"] == 'attachment; filename="year-report-2026.csv"'
    lines = csv_lines(content)
    trips = lines.pop("Trips per matter")  # no trip in the scene: 0 (written 0.0 or 0.00)
    assert float(trips[0]) == 0 and trips[1] == ""
    assert lines == expected_2026(scene)


def test_the_xlsx_export_has_numbers_in_its_cells(scene, manager):
    _response, content = export(manager, "xlsx", "?year=2026")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["New transport companies registered in the district"] == 6
    assert values["Online share (%)"] == 60.0
    assert values["Median on-the-spot time (minutes)"] == 35.0
    assert values["Committed-limit compression (%)"] == 62.5
    assert values["Satisfied ratings (★3–5) (%)"] == "—"
    assert values["Trips per matter"] == 0  # a number to a spreadsheet, not the text "0.00"


def page_lines(html: str) -> dict[str, tuple[str, str]]:
    """The report's table as the page prints it: label → (value, note)."""
    table = html.split('data-testid="year-report"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = re.findall(r"<tr><th[^>]*>([^<]*)</th><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td></tr>", table)
    return {unescape(label): (unescape(value), unescape(note)) for label, value, note in cells}


def test_the_page_shows_the_lines_of_the_year(scene, manager):
    page = manager.get(reverse("oversight:year_report"), {"year": "2026"}, **EN)
    assert page.status_code == 200
    assert not page.context["form"].errors
    html = page.content.decode()
    shown = page_lines(html)
    assert len(shown) == len(expected_2026(scene)) + 1  # and the trips per matter
    assert shown["New transport companies registered in the district"] == ("6", "")
    assert shown["New companies reached by a butler"] == ("4", "66.7%")
    assert shown["Committed-limit compression"] == ("62.5%", "40 → 15 working days")
    assert shown["Online share"] == ("60.0%", "")
    assert shown["Consultations recorded"] == ("7", "")
    assert shown["Important consultations revisited"] == ("25.0%", "")
    assert shown["Satisfied ratings (★3–5)"] == ("—", "")
    assert "Year report 2026" in html and "From 2026-01-01 to 2026-12-31" in html
    assert "printed on 2026-11-20 10:" in html
    assert reverse("oversight:year_report_export", args=["csv"]) + "?year=2026" in html
    assert reverse("oversight:dashboard") + "?since=2026-01-01&amp;until=2026-12-31" in html


def test_a_past_year_counts_only_its_own_rows(scene, manager):
    _response, content = export(manager, "csv", "?year=2025")
    lines = csv_lines(content)
    assert lines["New transport companies registered in the district"] == ("1", "")  # R6
    assert lines["New companies reached by a butler"] == ("0", "0.0%")
    assert lines["Matters filed"] == ("0", "") and lines["Online share (%)"] == ("—", "")
    assert lines["Consultations recorded"] == ("0", "")
    assert lines["Important consultations revisited (%)"] == ("—", "")
    assert lines["Median on-the-spot time (minutes)"] == ("—", "")


def test_without_a_year_the_page_shows_this_year(scene, manager):
    page = manager.get(reverse("oversight:year_report"), **EN)
    assert page.status_code == 200 and page.context["report"].year == 2026
    assert not page.context["form"].errors


@pytest.mark.parametrize("year", ["2027", "1999", "abc", "99999999999999999999"])
def test_a_year_that_cannot_be_shown_gives_the_forms_error_and_this_years_report(scene, manager, year):
    page = manager.get(reverse("oversight:year_report"), {"year": year}, **EN)
    assert page.status_code == 200
    assert set(page.context["form"].errors) == {"year"}
    assert page.context["report"].year == 2026
    html = page.content.decode()
    assert "This year cannot be shown; the report below is this year's." in html
    assert "Year report 2026" in html

    response, content = export(manager, "csv", f"?year={year}")
    assert response["Content-Disposition"] == 'attachment; filename="year-report-2026.csv"'
    assert csv_lines(content)["Consultations recorded"] == ("7", "")


def test_a_future_year_is_refused_with_its_reason(scene, manager):
    page = manager.get(reverse("oversight:year_report"), {"year": "2027"})
    assert page.context["form"].errors["year"] == ["只能查看已开始的年度。"]
    assert "只能查看已开始的年度。" in page.content.decode()
    page = manager.get(reverse("oversight:year_report"), {"year": "2027"}, **EN)
    assert "A report covers a year that has begun." in page.content.decode()


def test_the_report_counts_the_return_visits_due_by_the_day_it_is_asked(scene):
    """Asked on 9 November: C2's and C5's return visits were due (C2's made), C3's and C7's not yet."""
    assert year_report(2026, today=date(2026, 11, 9)).board.reform.revisited_share == pytest.approx(0.5)
    assert year_report(2026, today=TODAY).board.reform.revisited_share == pytest.approx(0.25)


def test_an_unknown_export_format_is_not_found(scene, manager):
    assert manager.get(reverse("oversight:year_report_export", args=["pdf"])).status_code == 404


@pytest.mark.parametrize(("who", "status"), [("butler_a", 403), ("contact_a", 403), ("outsider", 403)])
def test_only_the_manager_reads_the_year_report_and_the_limits(client, world, who, status):
    user = {"butler_a": world.butler_a.user}.get(who) or getattr(world, who)
    client.force_login(user)
    for url in (
        reverse("oversight:year_report"),
        reverse("oversight:year_report_export", args=["csv"]),
        reverse("oversight:limits"),
    ):
        assert client.get(url).status_code == status


def test_anonymous_users_are_sent_to_sign_in(client, db):
    for url in (
        reverse("oversight:year_report"),
        reverse("oversight:year_report_export", args=["xlsx"]),
        reverse("oversight:limits"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
