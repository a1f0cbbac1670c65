"""The figures, kept in ``docs/benchmarks.json`` by section, and ``docs/benchmarks.md`` written from them.

A section is one benchmark run (``reminders`` today; pages and load runs later). Each records its own
date, command, machine and runtime, and a list of figures in one shape, so the Markdown needs no code per
section::

    {"label": ..., "scale": ..., "unit": "ms", "runs": [...], "median": ..., "min": ..., "max": ...,
     "queries": ..., "details": "...", "budget": {"limit": ..., "met": ..., "verdict": "..."}}

plus ``data`` (what the figures were measured on), ``checks`` (budgets that compare figures), ``method``
and ``notes`` (bullet points) and ``plans`` (query plans, shown folded).

The page figures (``pages``), the load run (``load``) and the soak (``soak``) are
kept by scale, one section per scale under their key (``{"pages": {"city": {...}, "province": {...}}}``),
each in a shape of its own (see ``bench.pages`` and ``bench.load``) and rendered by its own function.
"""

import json
import statistics
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

from bench.environment import ROOT

JSON_PATH = ROOT / "docs" / "benchmarks.json"
MARKDOWN_PATH = ROOT / "docs" / "benchmarks.md"
FORMAT = 1
BY_SCALE = ("pages", "load", "soak")
SCALE_ORDER = ("district", "city", "province")


def summary(values: list[float]) -> dict:
    """Median, min and max of several runs, with the runs themselves."""
    return {
        "runs": [round(value, 2) for value in values],
        "median": round(statistics.median(values), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
    }


def verdict(value: float, limit: float, unit: str, *, at_least: bool = False) -> dict:
    """Whether ``value`` is within ``limit`` (at most it, or with ``at_least`` at least it), and by how much
    it is under or over."""
    met = value >= limit if at_least else value <= limit
    margin = abs(value - limit)
    share = margin / limit * 100 if limit else 0.0
    if unit == "×":
        amount = f"{margin:.2f}"
    elif isinstance(margin, int):
        amount = f"{margin:,} {unit}"
    else:
        amount = f"{margin:,.1f} {unit}"
    if at_least:
        text = f"met, {share:.0f} % over" if met else f"missed by {amount} (−{share:.0f} %)"
    else:
        text = f"met, {share:.0f} % under" if met else f"missed by {amount} (+{share:.0f} %)"
    return {"limit": limit, "unit": unit, "met": met, "verdict": text, "at_least": at_least}


def load(path: Path = JSON_PATH) -> dict:
    if path.exists():
        data = json.loads(path.read_text())
        if data.get("format") == FORMAT:
            return data
    return {"format": FORMAT, "sections": {}}


def save_section(
    key: str, section: dict, *, json_path: Path = JSON_PATH, md_path: Path = MARKDOWN_PATH
) -> None:
    """Replace one section in the JSON (keeping the others) and write the Markdown again from it all."""
    data = load(json_path)
    data["sections"][key] = section
    data["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    md_path.write_text(render(data))


def save_scaled(
    key: str, scale: str, section: dict, *, json_path: Path = JSON_PATH, md_path: Path = MARKDOWN_PATH
) -> None:
    """Replace one scale's section under ``key`` (keeping the other scales and sections); write both files."""
    data = load(json_path)
    by_scale = dict(data["sections"].get(key) or {})
    by_scale[scale] = section
    data["sections"][key] = {
        name: by_scale[name]
        for name in sorted(by_scale, key=lambda n: (SCALE_ORDER.index(n) if n in SCALE_ORDER else 99, n))
    }
    data["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    md_path.write_text(render(data))


def _number(value, unit: str = "") -> str:
    if value is None:
        return "–"
    if unit == "×":
        return f"{value:.2f}×"
    if isinstance(value, float) and value.is_integer() and value >= 10:
        value = int(value)
    if not isinstance(value, float):
        return f"{value:,} {unit}".strip()
    text = f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"
    return f"{text} {unit}".strip()


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _machine(machine: dict) -> list[str]:
    postgres_settings = ", ".join(f"{k} {v}" for k, v in machine.get("postgresql_settings", {}).items())
    rows = [
        ["CPU", f"{machine['cpu']}, {machine['cores']} cores"],
        ["Memory", f"{machine['memory_gib']} GiB"],
        ["System", machine["os"]],
        [
            "PostgreSQL",
            f"{machine['postgresql']} ({postgres_settings})" if postgres_settings else machine["postgresql"],
        ],
        ["Redis", machine["redis"]],
        ["Python, Django", f"{machine['python']}, Django {machine['django']}"],
        ["Celery, psycopg", f"{machine.get('celery', '–')}, psycopg {machine.get('psycopg', '–')}"],
    ]
    if machine.get("load_average"):
        load = machine["load_average"]
        rows.append(
            [
                "Load during the run",
                f"1-minute load average {load['start']:.2f} at the start, {load['median']:.2f} median, "
                f"{load['max']:.2f} at most (the benchmark itself accounts for about 1)",
            ]
        )
    return _table(["Machine", ""], rows)


def _busy(machine: dict) -> bool:
    """Whether other processes took a noticeable share of the CPU while the figures were taken."""
    load = machine.get("load_average")
    return bool(load) and load["median"] > 1 + (machine.get("cores") or 1) / 4


def _budget(figure: dict) -> tuple[str, str]:
    budget = figure.get("budget")
    if not budget:
        return "–", "–"
    sign = "**" if not budget["met"] else ""
    bound = "≥" if budget.get("at_least") else "≤"
    return f"{bound} {_number(budget['limit'], budget['unit'])}", f"{sign}{budget['verdict']}{sign}"


def _head(section: dict, title: str) -> list[str]:
    """Title, summary, date, command, runtime, the machine and the data: what every section starts with."""
    lines = [f"## {title}", ""]
    if section.get("summary"):
        lines += [section["summary"], ""]
    lines += [
        f"- Date: {section['date']}",
        f"- Command: `{section['command']}`",
        f"- Runtime: {_number(section['runtime_seconds'], 's')}",
        "",
    ]
    lines += _machine(section["machine"]) + [""]
    if _busy(section["machine"]):
        lines += [
            f"**The machine was busy** (load average {section['machine']['load_average']['median']:.1f} on "
            f"{section['machine']['cores']} cores): other processes took CPU time, so every figure is slower "
            "than on an idle machine. Run it again when the machine is idle.",
            "",
        ]
    if section.get("data"):
        columns = list(next(iter(section["data"].values())).keys())
        rows = [
            [name] + [_number(values.get(column)) for column in columns]
            for name, values in section["data"].items()
        ]
        lines += ["### Data", ""] + _table(["Scale", *columns], rows) + [""]
    return lines


def _tail(section: dict) -> list[str]:
    """Method, notes and query plans: what every section ends with."""
    lines = []
    for heading, key in (("Method", "method"), ("Notes", "notes")):
        if section.get(key):
            lines += [f"### {heading}", ""] + [f"- {item}" for item in section[key]] + [""]
    if section.get("plans"):
        lines += ["### Query plans", ""]
        for name, plan in section["plans"].items():
            lines += [
                f"<details><summary>{name}</summary>",
                "",
                "```",
                plan.rstrip(),
                "```",
                "",
                "</details>",
                "",
            ]
    return lines


def render_section(section: dict) -> list[str]:
    lines = _head(section, section["title"])
    if section.get("figures"):
        rows = []
        for figure in section["figures"]:
            limit, result = _budget(figure)
            rows.append(
                [
                    figure["label"],
                    figure["scale"],
                    _number(figure["median"], figure["unit"]),
                    _number(figure["min"], figure["unit"]),
                    _number(figure["max"], figure["unit"]),
                    len(figure["runs"]),
                    _number(figure.get("queries")),
                    limit,
                    result,
                    figure.get("details", ""),
                ]
            )
        header = [
            "Figure",
            "Scale",
            "Median",
            "Min",
            "Max",
            "Runs",
            "SQL queries",
            "Budget",
            "Result",
            "Details",
        ]
        lines += ["### Figures", ""] + _table(header, rows) + [""]
    if section.get("checks"):
        rows = []
        for check in section["checks"]:
            limit, result = _budget(check)
            rows.append([check["label"], _number(check["value"], check["budget"]["unit"]), limit, result])
        lines += (
            ["### Budgets across scales", ""] + _table(["Budget", "Measured", "Limit", "Result"], rows) + [""]
        )
    return lines + _tail(section)


def _result(budget: dict | None) -> str:
    if not budget:
        return "–"
    return budget["verdict"] if budget["met"] else f"**{budget['verdict']}**"


def _limit(budget: dict | None) -> str:
    if not budget:
        return "–"
    return f"{'≥' if budget.get('at_least') else '≤'} {_number(budget['limit'], budget['unit'])}"


def render_pages(section: dict) -> list[str]:
    lines = _head(section, f"{section['title']} ({section['scale']})")
    rows = []
    for figure in section["figures"]:
        queries = _number(figure["queries"]) + (" (varied)" if figure.get("queries_varied") else "")
        rows.append(
            [
                f"{figure['label']} `{unquote(figure['url'])}`",
                figure["role"],
                _number(figure["p50"], "ms"),
                _number(figure["p95"], "ms"),
                len(figure["runs"]),
                _limit(figure["budget"]),
                _result(figure["budget"]),
                queries,
                _number(figure.get("sql_ms"), "ms"),
                _limit(figure["queries_budget"]),
                _result(figure["queries_budget"]),
                figure.get("details", ""),
            ]
        )
    header = [
        "Page",
        "Opened by",
        "p50",
        "p95",
        "Runs",
        "p95 budget",
        "Result",
        "SQL queries",
        "In SQL (one run)",
        "Query budget",
        "Result",
        "Details",
    ]
    lines += ["### Figures", ""] + _table(header, rows) + [""]
    measured = [f for f in section["figures"] if not f.get("what_if")]
    missed = [f for f in measured if not (f["budget"]["met"] and f["queries_budget"]["met"])]
    lines += [
        f"**Budgets: {len(measured) - len(missed)} of {len(measured)} pages meet both.**"
        if missed
        else f"Budgets: all {len(measured)} pages meet both.",
        "",
    ]
    slow = [
        [figure["label"], _number(query["ms"], "ms"), f"`{query['sql']}`"]
        for figure in section["figures"]
        if not figure.get("what_if")
        for query in figure.get("slowest", [])[:1]
    ]
    if slow:
        lines += ["### Slowest statement of each page", ""] + _table(["Page", "Time", "SQL"], slow) + [""]
    return lines + _tail(section)


def render_load(section: dict) -> list[str]:
    lines = _head(section, f"{section['title']} ({section['scale']})")
    weights = section.get("weights", {})
    rows = [
        [
            item["label"],
            weights.get(item["key"], "–"),
            f"{item['requests']:,}",
            _number(item["per_second"]),
            _number(item["p50"], "ms"),
            _number(item["p95"], "ms"),
            item["errors"],
        ]
        for item in section["rows"]
    ]
    overall = section["overall"]
    errors = overall["errors"]
    rows.append(
        [
            f"**{overall['label']}**",
            "",
            f"**{overall['requests']:,}**",
            f"**{_number(overall['per_second'])}**",
            f"**{_number(overall['p50'], 'ms')}**",
            f"**{_number(overall['p95'], 'ms')}**",
            f"**{errors}**" + (" (budget 0: met)" if not errors else " (budget 0: **missed**)"),
        ]
    )
    header = ["Page", "Weight in the mix", "Requests", "Requests/s", "p50", "p95", "Errors"]
    lines += [
        f"### {section['clients']} clients, {section['seconds']:.0f} s, gunicorn "
        f"{section['server']['workers']} workers × {section['server']['threads']} threads",
        "",
    ]
    lines += _table(header, rows) + [""]
    return lines + _tail(section)


def _duration(seconds: float) -> str:
    return f"{seconds / 60:,.0f} minutes" if seconds >= 120 else f"{seconds:,.0f} s"


def _megabytes(value) -> str:
    return "–" if value is None else f"{value:,.1f} MB"


def render_soak(section: dict) -> list[str]:
    """The soak (``bench.soak``): the load as in ``render_load`` plus p99, the reminders delivered meanwhile,
    and each process's memory with its slope."""
    lines = _head(section, f"{section['title']} ({section['scale']})")
    overall, delivery = section["overall"], section["delivery"]
    errors = overall["errors"]
    rows = [
        [
            item["label"],
            f"{item['requests']:,}",
            _number(item["per_second"]),
            _number(item["p50"], "ms"),
            _number(item["p95"], "ms"),
            _number(item["p99"], "ms"),
            item["errors"],
        ]
        for item in section["rows"]
    ]
    rows.append(
        [
            f"**{overall['label']}**",
            f"**{overall['requests']:,}**",
            f"**{_number(overall['per_second'])}**",
            f"**{_number(overall['p50'], 'ms')}**",
            f"**{_number(overall['p95'], 'ms')}**",
            f"**{_number(overall['p99'], 'ms')}**",
            f"**{errors}**" + (" (budget 0: met)" if not errors else " (budget 0: **missed**)"),
        ]
    )
    lines += [
        f"### {section['clients']} clients, {_duration(section['seconds'])}, gunicorn "
        f"{section['server']['workers']} workers × {section['server']['threads']} threads",
        "",
    ]
    lines += _table(["Page", "Requests", "Requests/s", "p50", "p95", "p99", "Errors"], rows) + [""]
    by_channel = delivery["sent_by_channel"]
    unfinished = delivery["planned"] - delivery["sent"]
    lines += ["### Reminders delivered meanwhile", ""]
    lines += _table(
        [
            "Planned",
            "Sent",
            "In the app",
            "E-mail (at the SMTP sink)",
            "SMS (at the gateway)",
            "Not sent",
            "Due → sent p50",
            "p95",
        ],
        [
            [
                f"{delivery['planned']:,}",
                f"{delivery['sent']:,}",
                f"{by_channel.get('in_app', 0):,}",
                f"{by_channel.get('email', 0):,} ({delivery['at_smtp_sink']:,})",
                f"{by_channel.get('sms', 0):,} ({delivery['at_sms_gateway']:,})",
                f"{unfinished:,}" if not unfinished else f"**{unfinished:,}** {delivery['by_status']}",
                _number(delivery["latency_p50_s"], "s"),
                _number(delivery["latency_p95_s"], "s"),
            ]
        ],
    ) + [""]
    limit = section["flat_limit_mb_per_10_min"]
    memory_rows = [
        [
            row["process"],
            row["pid"],
            row["samples"],
            _megabytes(row["start_mb"]),
            _megabytes(row["end_mb"]),
            _megabytes(row["max_mb"]),
            "–" if row["slope_mb_per_10_min"] is None else f"{row['slope_mb_per_10_min']:+.2f} MB",
        ]
        for row in section["memory"]
    ]
    verdict = (
        f"Memory flat: every process under {limit:.0f} MB per 10 minutes."
        if section["memory_flat"]
        else f"**Memory not flat: a process grew {limit:.0f} MB or more per 10 minutes.**"
    )
    lines += ["### Memory (resident set)", ""]
    lines += _table(["Process", "pid", "Samples", "Start", "End", "Max", "Slope per 10 min"], memory_rows)
    lines += ["", verdict, ""]
    return lines + _tail(section)


RENDERERS = {
    "pages": render_pages,
    "load": render_load,
    "soak": render_soak,
}


def render(data: dict) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m bench report` from [benchmarks.json](benchmarks.json); do not edit by hand.",
        "Run them again with `make bench` (PostgreSQL and Redis on this machine). Each section records",
        "its own date, command and machine; figures are the median of several runs, with the fastest and",
        "the slowest.",
        "",
    ]
    for key, section in data["sections"].items():
        if key in BY_SCALE:
            for by_scale in section.values():
                lines += RENDERERS[key](by_scale)
        else:
            lines += render_section(section)
    return "\n".join(lines).rstrip() + "\n"
