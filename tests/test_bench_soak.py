"""The soak (``python -m bench soak``, ``make soak``): its memory arithmetic, how its section reads in
docs/benchmarks.md, and a short soak on a tiny seeded database that produces the section with no error."""

import json
import os
import uuid
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from bench import report
from bench.soak import memory_rows, slope_per_10_min
from tests.clock import clock_environment_at

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


def test_the_slope_is_megabytes_per_ten_minutes_through_all_the_samples():
    one_mb_a_minute = [(t, 100 + t / 60) for t in range(0, 601, 10)]
    assert slope_per_10_min(one_mb_a_minute) == pytest.approx(10.0)
    assert slope_per_10_min([(t, 80.0) for t in range(0, 601, 10)]) == 0.0
    noisy_but_flat = [(t, 80.0 + (1 if (t // 10) % 2 else -1)) for t in range(0, 601, 10)]
    assert abs(slope_per_10_min(noisy_but_flat)) < 0.1
    assert slope_per_10_min([(0, 80.0)]) is None


def test_memory_taken_while_the_process_warms_up_is_not_counted_as_growth():
    warming_then_flat = [(0.0, 70.0), (10.0, 95.0), (20.0, 110.0)] + [(t, 111.0) for t in range(60, 601, 10)]
    (row,) = memory_rows({("gunicorn worker", 42): warming_then_flat}, settle=60)

    assert row == {
        "process": "gunicorn worker",
        "pid": 42,
        "samples": len(warming_then_flat),
        "start_mb": 70.0,
        "end_mb": 111.0,
        "max_mb": 111.0,
        "slope_mb_per_10_min": 0.0,
    }
    (counted,) = memory_rows({("gunicorn worker", 42): warming_then_flat}, settle=0)
    assert counted["slope_mb_per_10_min"] > 5


def _section(*, errors: int = 0, slope: float = 0.4, planned: int = 120, sent: int = 120) -> dict:
    row = {
        "key": "today",
        "label": "Today (busiest butler)",
        "requests": 600,
        "per_second": 1.0,
        "p50": 80.0,
        "p95": 200.0,
        "p99": 450.0,
        "errors": errors,
    }
    return {
        "title": "Soak: the page mix with reminders flowing, and memory",
        "summary": "",
        "scale": "city",
        "date": "2026-11-27T10:00:00+00:00",
        "command": "make soak → python -m bench soak --scale city --seconds 600",
        "runtime_seconds": 700.0,
        "machine": MACHINE,
        "data": {"city": {"companies": 20_000}},
        "seconds": 600,
        "clients": 4,
        "server": {"workers": 2, "threads": 4},
        "rows": [row],
        "overall": {**row, "key": "all", "label": "All pages"},
        "delivery": {
            "planned": planned,
            "sent": sent,
            "by_status": {"sent": sent, **({"pending": planned - sent} if planned > sent else {})},
            "sent_by_channel": {"in_app": 40, "email": 40, "sms": 40},
            "at_smtp_sink": 40,
            "at_sms_gateway": 40,
            "sms_repeats": 0,
            "latency_p50_s": 0.4,
            "latency_p95_s": 1.2,
            "batch_every_s": 5.0,
            "batch_reminders": 12,
            "sweeps": 120,
            "drain_s": 2.0,
        },
        "memory": [
            {
                "process": "gunicorn worker",
                "pid": 4242,
                "samples": 61,
                "start_mb": 70.0,
                "end_mb": 112.5,
                "max_mb": 113.0,
                "slope_mb_per_10_min": slope,
            }
        ],
        "memory_flat": slope < 5,
        "flat_limit_mb_per_10_min": 5.0,
        "method": ["Memory: VmRSS."],
        "notes": ["The machine was shared."],
    }


def test_the_soak_section_is_kept_by_scale_beside_the_others_and_reads_as_tables(tmp_path):
    json_path, md_path = tmp_path / "benchmarks.json", tmp_path / "benchmarks.md"
    json_path.write_text(json.dumps({"format": report.FORMAT, "sections": {"load": {}}}))

    report.save_scaled("soak", "city", _section(), json_path=json_path, md_path=md_path)

    data = json.loads(json_path.read_text())
    assert list(data["sections"]) == ["load", "soak"] and list(data["sections"]["soak"]) == ["city"]
    markdown = md_path.read_text()
    assert "## Soak: the page mix with reminders flowing, and memory (city)" in markdown
    assert "### 4 clients, 10 minutes, gunicorn 2 workers × 4 threads" in markdown
    assert "| Today (busiest butler) | 600 | 1.00 | 80 ms | 200 ms | 450 ms | 0 |" in markdown
    assert (
        "| **All pages** | **600** | **1.00** | **80 ms** | **200 ms** | **450 ms** | **0** (budget 0: met) |"
        in (markdown)
    )
    assert "| 120 | 120 | 40 | 40 (40) | 40 (40) | 0 | 0.40 s | 1.20 s |" in markdown
    assert "| gunicorn worker | 4242 | 61 | 70.0 MB | 112.5 MB | 113.0 MB | +0.40 MB |" in markdown
    assert "Memory flat: every process under 5 MB per 10 minutes." in markdown


def test_errors_unsent_reminders_and_growing_memory_are_shown_not_hidden(tmp_path):
    json_path, md_path = tmp_path / "benchmarks.json", tmp_path / "benchmarks.md"
    report.save_scaled(
        "soak", "city", _section(errors=3, slope=12.0, sent=110), json_path=json_path, md_path=md_path
    )

    markdown = md_path.read_text()
    assert "**3** (budget 0: **missed**)" in markdown
    assert "**10** {'sent': 110, 'pending': 10}" in markdown
    assert "**Memory not flat: a process grew 5 MB or more per 10 minutes.**" in markdown


COMPANIES = 60
SOAK_SECONDS = 15
# A working morning: every channel may send (SMS quiet hours, tested on their own, would hold the texts of an
# evening run), and the soak's processes share the moment with this test.
SOAK_MOMENT = datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _seed_tiny_database() -> None:
    """A few dozen companies from ``seed_volume``, with production's password hashing so that gunicorn
    (``butler.settings.base``) accepts the demo password."""
    from butler.models import ReminderRule
    from butler.service.rule_defaults import seed_reminder_rules
    from companies.business_types import seed_business_types
    from companies.catalogue_seed import seed_catalogue
    from companies.models import BusinessType, LicenceMaterial, LicenceType

    seed_business_types(BusinessType)  # what the migrations wrote (transactional tests flush it)
    seed_catalogue(LicenceType, LicenceMaterial, BusinessType)
    seed_reminder_rules(ReminderRule)
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]):
        call_command("seed_volume", "--companies", str(COMPANIES), stdout=StringIO())


@pytest.fixture
def tasks_to_the_broker():
    """Tasks go to the broker, as beat's would, not run in this process as the test settings say."""
    from butler.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


@pytest.mark.django_db(transaction=True)
def test_a_short_soak_on_a_tiny_database_serves_every_page_and_delivers_every_reminder(
    tasks_to_the_broker, monkeypatch, tmp_path, request
):
    """``bench.soak.run`` for a few seconds against real gunicorn and Celery processes on the test database:
    the section comes out with every page of the mix requested, no error, every reminder planned sent, and
    memory sampled for every process."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "the soak seeds with seed_volume, which needs PostgreSQL: run with DATABASE_URL=postgres://…"
        )
    assert settings.REDIS_URL, "the soak needs Redis (REDIS_URL) for the broker and the cache"
    from bench import pages, soak
    from bench.environment import Environment

    traveller = time_machine.travel(SOAK_MOMENT, tick=True)
    traveller.start()
    request.addfinalizer(traveller.stop)
    for name, value in clock_environment_at(SOAK_MOMENT, dict(os.environ)).items():
        monkeypatch.setenv(name, value)
    _seed_tiny_database()
    db = connection.settings_dict
    environment = Environment(
        postgres=f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}",
        database=db["NAME"],
        redis_url=settings.REDIS_URL,
        queue=f"test-soak-{uuid.uuid4().hex[:6]}",
    )
    monkeypatch.setattr(pages, "STATIC_ROOT", tmp_path / "static")
    pages.collect_static(environment, db["NAME"])

    section = soak.run(
        scale=f"{COMPANIES} companies",
        seconds=SOAK_SECONDS,
        clients=2,
        environment=environment,
        database=db["NAME"],
        log=lambda message: None,
        sample_every=2.0,
        batch_every=3.0,
        batch_people=2,
        sweep_every=2.0,
        drain_seconds=60.0,
    )

    overall = section["overall"]
    assert overall["errors"] == 0, section["notes"]
    assert overall["requests"] > 0 and all(row["requests"] > 0 for row in section["rows"])
    assert {row["key"] for row in section["rows"]} >= {"today", "portfolio", "company", "portal", "dashboard"}
    delivery = section["delivery"]
    assert delivery["planned"] >= 2 * 3 * 2  # at least two batches of two people by three channels
    assert delivery["sent"] == delivery["planned"], delivery["by_status"]
    assert delivery["at_smtp_sink"] == delivery["sent_by_channel"]["email"]
    assert delivery["at_sms_gateway"] == delivery["sent_by_channel"]["sms"]
    processes = {row["process"] for row in section["memory"]}
    assert processes == {"gunicorn master", "gunicorn worker", "celery worker", "celery pool"}
    assert all(row["samples"] >= 3 and row["max_mb"] > 0 for row in section["memory"])
    assert "## Soak" in "\n".join(report.RENDERERS["soak"](section))
