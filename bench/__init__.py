"""Benchmarks of Butler against local PostgreSQL and Redis: ``python -m bench --help``, or ``make bench``.

Each benchmark is a section (``reminders.py`` measures the reminder sweep); ``report.py`` keeps the
figures in ``docs/benchmarks.json``, keyed by section, and writes ``docs/benchmarks.md`` from it.
``services.py`` names the database and broker a run uses and gets them ready; ``machine.py`` describes
the machine the figures come from.
"""
