"""Demo data: the Beilun transport service window in the second year of its butler service.

``load_demo()`` builds a manager, five butlers and about 120 companies registered over the past
18 months, with their contacts, portal accounts and service periods in every state (in service,
completed, transferred, ended early). Each company gets the vehicles, people and vessels its business
calls for, and its licences at every stage: obtained on time, in preparation, applied, materials
missing (with the company's in-app notice), renewed, renewal due, one or two lapsed, withdrawn or
cancelled when the company closed, and the trips the company made for them. Then the feedback of the
past months: ratings (mostly good; the bad ones with their audit cases at every stage), suggestions from
the portal and recorded by butlers, and two improvement actions, one of which took a material out of
the licence catalogue; and the reform around it at the seed article's orders of magnitude — the catalogue
before the reform, the materials now obtained by data sharing, a year of consultations and 12345 work
orders. Everything goes through the real services, so card numbers, invitations,
licence plans, due dates, audit deadlines and the change history are what the product itself would have
written; the history is dated on the simulated day at a plausible hour. Last, the reminder engine's
sweeps of every past morning are replayed.

The data is deterministic: one ``random.Random(SEED)`` draws a plan of days *before* ``today``, so
two runs plan the same companies and the second run finds them all (by credit code) and creates
nothing; each company's licence story is drawn from a generator seeded with its number. Mobile numbers
are well-formed but random; do not load the demo where SMS is configured.

The pieces: the tables in ``butler.demo.data``, the plan in ``butler.demo.plan``, the clock in
``butler.demo.clock``, the load in ``butler.demo.loader`` (with ``licences`` and ``contacts``) and the
feedback in ``butler.demo.feedback``; this module runs them in order.
"""

import random
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from butler.celery import app as celery_app
from butler.demo.clock import quiet_loggers
from butler.demo.data import COUNT_KEYS, DEMO_PASSWORD, SEED
from butler.demo.feedback import FeedbackStory
from butler.demo.loader import Loader
from butler.demo.plan import build_plan
from butler.demo.reform import ReformYear


def load_demo(*, today: date | None = None, stdout=None) -> dict[str, int]:
    """Load the demo district once; a second call finds everything in place and creates nothing.

    The transfers queue an e-mail to the company after commit. Those transfers happened months ago
    in the story, so the load runs Celery tasks eagerly in this process (no broker or worker needed,
    their log lines kept off the console) and hands their mail to Django's dummy backend, which drops it.
    The load keeps no query log (as with DEBUG off): it runs some hundred thousand queries.
    """
    today = today or timezone.localdate()
    loader = Loader(plan=build_plan(random.Random(SEED)), today=today, password=make_password(DEMO_PASSWORD))
    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend", DEBUG=False),
            quiet_loggers("celery", "kombu"),
            transaction.atomic(),
            loader.clock,
        ):
            loader.load_staff()
            loader.load_companies()
            if loader.counts["companies"]:
                loader.load_contacts()
                FeedbackStory(loader).tell()
                ReformYear(loader).tell()
                loader.load_reminders()
    finally:
        celery_app.conf.task_always_eager = was_eager
    counts = {key: loader.counts[key] for key in COUNT_KEYS}
    if stdout is not None:
        stdout.write(summary(counts))
    return counts


def summary(counts: dict[str, int]) -> str:
    if not any(counts.values()):
        return "Demo data already loaded; nothing to create."
    return "Demo data loaded: " + ", ".join(f"{counts[key]} {key.replace('_', ' ')}" for key in COUNT_KEYS)
