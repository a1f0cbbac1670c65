"""The page benchmark's arithmetic and how its sections read in docs/benchmarks.md."""

import json

import pytest

from bench import report
from bench.pages import _search_term, explainable, percentile

MACHINE = {
    "cpu": "Test CPU",
    "cores": 2,
    "memory_gib": 8.0,
    "os": "Debian",
    "postgresql": "15.20",
    "redis": "7.0.15",
    "python": "3.11.7",
    "django": "5.2",
}


def _head(title: str, scale: str = "city") -> dict:
    return {
        "title": title,
        "summary": "",
        "scale": scale,
        "date": "2026-11-27T10:00:00+00:00",
        "command": "python -m bench pages --scales city",
        "runtime_seconds": 300.0,
        "machine": MACHINE,
        "data": {scale: {"companies": 20_000, "licences": 200_000}},
    }


def _page(key: str, label: str, p95: float, queries: int, limit: float = 150.0) -> dict:
    return {
        "key": key,
        "label": label,
        "scale": "city",
        "url": "/manager/companies/?q=%E6%B6%A6%E9%80%9A",
        "role": "manager",
        "unit": "ms",
        "runs": [p95 - 1] * 19 + [p95],
        "p50": p95 - 1,
        "p95": p95,
        "min": p95 - 1,
        "max": p95,
        "queries": queries,
        "details": "",
        "slowest": [{"ms": 12.5, "sql": 'SELECT "companies_company"."id" FROM "companies_company"'}],
        "budget": report.verdict(p95, limit, "ms"),
        "queries_budget": report.verdict(queries, 15, "queries"),
    }


def test_percentile_interpolates_between_the_two_nearest_runs():
    runs = [float(value) for value in range(1, 21)]  # 1 … 20, in any order
    assert percentile(list(reversed(runs)), 50) == pytest.approx(10.5)
    assert percentile(runs, 95) == pytest.approx(19.05)
    assert percentile(runs, 100) == 20.0
    assert percentile(runs, 0) == 1.0
    assert percentile([42.0], 95) == 42.0


def test_percentile_of_no_runs_is_an_error():
    with pytest.raises(ValueError):
        percentile([], 50)


def test_a_name_search_types_the_trade_name_not_the_place_or_the_legal_form():
    assert _search_term("宁波市北仑区润通物流有限公司") == "润通物流"
    assert _search_term("浙江海港集团股份有限公司") == "浙江海港"


def test_a_server_side_cursor_is_explained_as_its_select_and_other_statements_not_at_all():
    declared = 'DECLARE "_django_curs_1_sync_2" NO SCROLL CURSOR WITH HOLD FOR SELECT "id" FROM "t"'
    assert explainable(declared) == 'SELECT "id" FROM "t"'
    assert explainable('SAVEPOINT "s1"') is None


def test_a_query_count_over_budget_says_by_how_many_queries():
    assert report.verdict(26, 15, "queries")["verdict"] == "missed by 11 queries (+73 %)"
    assert report.verdict(10, 15, "queries")["met"] is True


def test_the_page_and_load_sections_are_kept_by_scale_beside_the_reminders(tmp_path):
    json_path, md_path = tmp_path / "benchmarks.json", tmp_path / "benchmarks.md"
    json_path.write_text(
        json.dumps({"format": report.FORMAT, "sections": {"reminders": {**_head("Reminder sweep")}}})
    )
    pages = {
        **_head("Pages: server time and SQL queries"),
        "figures": [
            _page("search_name", "Company search by name", 40.0, 10, limit=100.0),
            _page("company", "Company page (most licences)", 180.0, 26),
            {**_page("company_no_jit", "Company page, JIT off (what if)", 90.0, 26), "what_if": True},
        ],
        "notes": [
            "Licence list filtered by status and due month: not measured, the page does not exist yet."
        ],
    }
    row = {
        "key": "today",
        "label": "Today (busiest butler)",
        "requests": 600,
        "per_second": 10.0,
        "p50": 80.0,
        "p95": 200.0,
        "errors": 0,
    }
    load = {
        **_head("Load: a mix of the pages against gunicorn"),
        "seconds": 60,
        "clients": 8,
        "server": {"workers": 2, "threads": 4},
        "weights": {"today": 3},
        "rows": [row],
        "overall": {**row, "key": "all", "label": "All pages", "errors": 2},
    }
    report.save_scaled(
        "pages", "province", {**pages, "scale": "province"}, json_path=json_path, md_path=md_path
    )
    report.save_scaled("pages", "city", pages, json_path=json_path, md_path=md_path)
    report.save_scaled("load", "city", load, json_path=json_path, md_path=md_path)

    data = json.loads(json_path.read_text())
    assert list(data["sections"]) == ["reminders", "pages", "load"]
    assert list(data["sections"]["pages"]) == ["city", "province"]
    markdown = md_path.read_text()
    assert "## Reminder sweep" in markdown
    assert markdown.index("(city)") < markdown.index("(province)")
    assert "`/manager/companies/?q=润通`" in markdown
    assert "| met, 60 % under |" in markdown
    assert "**missed by 30.0 ms (+20 %)**" in markdown
    assert "**missed by 11 queries (+73 %)**" in markdown
    assert "**Budgets: 1 of 2 pages meet both.**" in markdown
    assert "- Licence list filtered by status and due month: not measured" in markdown
    assert "Peer" not in markdown  # no figure of another product stands in for a measurement
    assert "| Today (busiest butler) | 3 | 600 | 10 | 80 ms | 200 ms | 0 |" in markdown
    assert "(budget 0: **missed**)" in markdown
