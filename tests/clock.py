"""The suite's clock, and what a run may leave out.

``BUTLER_TEST_NOW`` moves the whole run to another moment (an ISO date or date and time; Beijing time unless
it names its offset): time-machine travels there before the first test and ticks on from it, in every xdist
worker. Tests that set their own clock keep it; the others see the moved one. So a date bug that only shows
at a year end, on a public holiday or in a year whose holiday schedule is not confirmed shows in CI instead
of on the day a user meets it:

    BUTLER_TEST_NOW=2027-10-01T21:30 make test

Python processes the tests start (Celery workers, gunicorn, ``manage.py`` shells) keep the test's clock:
a moved run puts ``clock_share/`` on their ``PYTHONPATH`` with the clock's offset, and
``shared_clock_environment`` gives a test's own offset (a frozen world's, say) to the processes it starts.
The browser's own clock is not moved; no page's script reads it. The servers of the failure drills
(PostgreSQL, Redis) keep theirs: the product never asks a server for the time.

``BUTLER_TEST_FORBID_SKIPS=1`` (CI on PostgreSQL and Redis) fails the run when any test was skipped: there,
every test has what it needs, so a skip can only hide a test that no longer runs.
"""

from __future__ import annotations

import os
import time as clock
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from time_machine import escape_hatch

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW_VARIABLE = "BUTLER_TEST_NOW"
FORBID_SKIPS_VARIABLE = "BUTLER_TEST_FORBID_SKIPS"
OFFSET_VARIABLE = "BUTLER_TEST_CLOCK_OFFSET"
SHARE_DIR = Path(__file__).resolve().with_name("clock_share")

_traveller: time_machine.travel | None = None


def moved_to() -> datetime | None:
    """The moment the run was moved to, or None when it runs on the wall clock."""
    text = os.environ.get(NOW_VARIABLE, "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise pytest.UsageError(
            f"{NOW_VARIABLE}={text!r} is not an ISO date or date and time, e.g. 2027-10-01T21:30"
        ) from None
    if len(text) == 10:  # a date alone: the window opens at nine
        moment = datetime.combine(date.fromisoformat(text), time(9, 0))
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def clock_offset() -> float:
    """Seconds this process's clock runs ahead of the wall clock (negative: behind; 0: not moved)."""
    if not escape_hatch.is_travelling():
        return 0.0
    return clock.time() - escape_hatch.time.time()


def shared_clock_environment(environment: dict | None = None) -> dict:
    """``environment`` (this process's by default) for a Python process that keeps this process's clock."""
    environment = dict(os.environ if environment is None else environment)
    offset = clock_offset()
    paths = environment.get("PYTHONPATH", "").split(os.pathsep)
    paths = [path for path in paths if path and path != str(SHARE_DIR)]
    if offset:
        environment[OFFSET_VARIABLE] = repr(offset)
        paths.insert(0, str(SHARE_DIR))
    else:
        environment.pop(OFFSET_VARIABLE, None)
    environment["PYTHONPATH"] = os.pathsep.join(paths)
    return environment


def clock_environment_at(moment: datetime, environment: dict) -> dict:
    """``environment`` for a Python process whose clock starts at ``moment`` (and ticks on from there)."""
    environment = {**environment, OFFSET_VARIABLE: repr(moment.timestamp() - escape_hatch.time.time())}
    paths = [path for path in environment.get("PYTHONPATH", "").split(os.pathsep) if path != str(SHARE_DIR)]
    environment["PYTHONPATH"] = os.pathsep.join([str(SHARE_DIR), *filter(None, paths)])
    return environment


def pytest_configure(config):
    global _traveller
    moment = moved_to()
    if moment is not None and _traveller is None:
        _traveller = time_machine.travel(moment, tick=True)
        _traveller.start()
        os.environ.update(shared_clock_environment())  # every process started from here on keeps it


def pytest_unconfigure(config):
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None


def pytest_report_header(config):
    moment = moved_to()
    if moment is None:
        return "clock: the wall clock"
    return f"clock: moved to {moment.isoformat()}"


def _forbid_skips() -> bool:
    return os.environ.get(FORBID_SKIPS_VARIABLE, "") not in ("", "0")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    if not _forbid_skips() or hasattr(session.config, "workerinput"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.ensure_newline()
        reporter.write_sep("=", f"{len(skipped)} skipped; {FORBID_SKIPS_VARIABLE} forbids skips", red=True)
        for report in skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            reporter.write_line(f"SKIPPED {report.nodeid}: {reason}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
