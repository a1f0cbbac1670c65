"""Default rules for rating invitations and audit deadlines; the database refuses to change a rating or a
suggestion once given (deleting is refused too on PostgreSQL; SQLite's test flush deletes rows, so there the
models refuse it)."""

from django.db import migrations

from butler.service.rule_defaults import seed_reminder_rules

TABLES = ("butler_rating", "butler_suggestion")


def add_defaults(apps, schema_editor):
    seed_reminder_rules(apps.get_model("butler", "ReminderRule"))


def guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION butler_feedback_immutable() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'feedback cannot be changed or deleted (%%)', TG_TABLE_NAME; END $$ "
            "LANGUAGE plpgsql"
        )
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION butler_feedback_immutable()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'feedback cannot be changed'); END"
            )


def unguard(apps, schema_editor):
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable")


class Migration(migrations.Migration):
    dependencies = [("butler", "0009_feedback")]

    operations = [
        migrations.RunPython(add_defaults, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
