"""Indexes for the manager's lists and the company search at province scale (300,000 companies,
3,000,000 licences), measured with EXPLAIN ANALYZE.

- The licence list reads licences by one of their dates, then id, from a cursor "after (date, id)": with a
  status through ``(status, <date>, id)``, across every status through ``(<date>, id)``, for each of
  obtain_by, renew_by and expires_on, each only over the rows that have the date. With the id in the index
  a later page is one range scan; with the existing ``(status, <date>)`` alone the planner sorted the rest
  of the month (97–210 ms at 3,000,000 licences instead of 0.3 ms). Those three older indexes are now a
  prefix of the new ones and could go.
- Companies newest registration first, ``(registered_on, id)``, for the company list's keyset pages.
- PostgreSQL only: a trigram index on ``UPPER(name)`` (Django's ``icontains`` is ``UPPER(name::text) LIKE
  UPPER('%…%')``, which an index on the bare column does not serve) and an index on ``UPPER(credit_code)``
  for ``Company.objects.search``'s ``iexact`` (the prefix search with ``startswith`` uses the
  ``varchar_pattern_ops`` index Django already made for the unique code). pg_trgm indexes three characters
  at a time: a search of one or two Chinese characters cannot use it and scans the table (~60 ms at
  300,000 companies); three or more find their rows in a few milliseconds.

The btree indexes live in the database only (SeparateDatabaseAndState), not in the models' Meta, so that
this migration stands alone; moving them into ``CompanyLicence.Meta.indexes`` / ``Company.Meta.indexes``
later needs a state-only migration with the same names.
"""

from django.db import migrations, models
from django.db.models import Q

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS company_name_trgm ON companies_company "
    "USING gin (UPPER(name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS company_code_upper ON companies_company "
    "(UPPER(credit_code::text) text_pattern_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS company_code_upper",
    "DROP INDEX IF EXISTS company_name_trgm",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


def _by_date(*fields: str, name: str) -> migrations.AddIndex:
    has_date = Q(**{f"{fields[-1]}__isnull": False})
    return migrations.AddIndex(
        model_name="companylicence", index=models.Index(fields=[*fields, "id"], condition=has_date, name=name)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0008_contact_reminder_channel"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                _by_date("obtain_by", name="licence_obtain_by_id"),
                _by_date("renew_by", name="licence_renew_by_id"),
                _by_date("expires_on", name="licence_expires_on_id"),
                _by_date("status", "obtain_by", name="licence_status_obtain_by_id"),
                _by_date("status", "renew_by", name="licence_status_renew_by_id"),
                _by_date("status", "expires_on", name="licence_status_expires_on_id"),
                migrations.AddIndex(
                    model_name="company",
                    index=models.Index(fields=["registered_on", "id"], name="company_registered_id"),
                ),
            ],
            state_operations=[],
        ),
        migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_BACKWARD), elidable=False),
    ]
