"""Many clerks accept the same company's first matter at the same instant: one period, one butler.

Runs against the configured database for real (PostgreSQL in CI, the SQLite file locally), with one
connection per thread and a barrier so that every thread enters the service together.
"""

import threading

import pytest
from django.db import connections

from butler.firstvisit.services import first_visit_accept
from butler.models import ServicePeriod
from tests.conftest import make_butler, register

THREADS = 8


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_visits_create_exactly_one_active_period():
    butlers = [make_butler(f"clerk{i}", f"窗口{i}") for i in range(THREADS)]
    company = register(butlers[0].user, 500)
    barrier = threading.Barrier(THREADS)
    results, errors = [], []

    def accept(butler):
        try:
            barrier.wait(timeout=10)
            results.append(first_visit_accept(actor=butler.user, company_id=company.pk))
        except Exception as error:  # noqa: BLE001 - the assertion below reports it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(b,)) for b in butlers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(results) == THREADS
    assert ServicePeriod.objects.filter(company=company).count() == 1
    winner = ServicePeriod.objects.get(company=company)
    assert sum(result.created for result in results) == 1
    # Everyone who lost the race was told who the butler is.
    assert {result.period.pk for result in results} == {winner.pk}
    assert {result.period.butler_id for result in results} == {winner.butler_id}
