"""The volume generator's SQL building blocks, on PostgreSQL: chance as a hash of a row's key, a value
picked by it, plate numbers, ``COPY`` of rows drawn in Python, ``INSERT … SELECT`` with the defaults of the
columns not named, and a table's secondary indexes dropped for a bulk load and built again afterwards.
"""

from collections.abc import Iterable

from django.db import connection, models
from django.utils import timezone

from butler.demo.data import PLATE_LETTERS


def hashed(expression: str, salt: int) -> str:
    """A deterministic non-negative pseudo-random integer of a row's key, in SQL (stands in for chance)."""
    return f"((hashint8extended(({expression})::bigint, {salt}) & 2147483647)::int)"


def pick(values: list[str], expression: str, salt: int) -> str:
    """One of ``values``, chosen by a hash of the row's key, as an SQL expression."""
    array = "ARRAY[" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + "]"
    return f"({array})[1 + mod({hashed(expression, salt)}, {len(values)})]"


def int_array(values: Iterable[int]) -> str:
    return "ARRAY[" + ", ".join(str(int(value)) for value in values) + "]"


# Plate bodies per letter: 100,000 of five digits, then one letter among four digits (5 places × 24).
PLATE_CAPACITY = 100_000 + 24 * 10_000 * 5


def plate_body(k: str) -> str:
    """SQL: the k-th plate body of a letter (0-based), digits shuffled so neighbours do not look alike."""
    m = f"(({k}) - 100000)"
    return (
        f"CASE WHEN ({k}) < 100000 THEN lpad(mod(({k}) * 7919, 100000)::text, 5, '0') "
        f"ELSE overlay(lpad(mod(mod({m}, 10000) * 7919 + {m} / 10000, 10000)::text, 4, '0') "
        f"placing substr('{PLATE_LETTERS}', 1 + mod({m} / 10000, 24)::int, 1) "
        f"from (1 + mod({m} / 240000, 5))::int for 0) END"
    )


def _defaults(model: type[models.Model], given: Iterable[str]) -> dict[str, object]:
    """The database values of every column not ``given``: the model's default, '' or NULL."""
    values = {}
    for f in model._meta.concrete_fields:
        if f.column in given or f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            values[f.column] = timezone.now()
        elif f.has_default():
            values[f.column] = f.get_db_prep_save(f.get_default(), connection)
        elif f.null:
            values[f.column] = None
        elif isinstance(f, models.CharField | models.TextField):
            values[f.column] = ""
        else:
            raise LookupError(f"{model._meta.label}.{f.name} needs a value")
    return values


def copy_rows(model: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> int:
    """``COPY`` rows into the model's table; the columns not named get their defaults."""
    defaults = _defaults(model, columns)
    names = columns + list(defaults)
    tail = tuple(defaults.values())
    count = 0
    with connection.cursor() as cursor:
        columns_sql = ", ".join(connection.ops.quote_name(name) for name in names)
        with cursor.copy(f"COPY {model._meta.db_table} ({columns_sql}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row) + tail)
                count += 1
    return count


def insert_select(
    model: type[models.Model], values: dict[str, str], source: str, params: dict | None = None
) -> int:
    """``INSERT INTO <table> (…) SELECT <values> FROM <source>``; other columns get their defaults."""
    known = {f.column for f in model._meta.concrete_fields}
    unknown = set(values) - known
    if unknown:
        raise LookupError(f"{model._meta.label} has no column {', '.join(sorted(unknown))}")
    params = dict(params or {})
    expressions = dict(values)
    for column, value in _defaults(model, values).items():
        params[f"default_{column}"] = value
        expressions[column] = f"%(default_{column})s"
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(map(connection.ops.quote_name, expressions))}) "  # noqa: S608 - our own fragments
        f"SELECT {', '.join(expressions.values())} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


class Indexes:
    """Drop a table's secondary indexes (and unique constraints no foreign key needs) for a bulk load and
    build them again afterwards, inside the same transaction: one sort per index instead of a descent
    per row."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.constraints: list[tuple[str, str]] = []
        self.indexes: list[str] = []

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT con.conname, pg_get_constraintdef(con.oid), pg_get_indexdef(i.indexrelid), "
                "i.indexrelid::regclass::text FROM pg_index i "
                "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype = 'u' "
                "AND con.conrelid = i.indrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint fk WHERE fk.contype = 'f' "
                "AND fk.conindid = i.indexrelid)",
                [self.table],
            )
            for constraint, definition, index_definition, index in cursor.fetchall():
                if constraint:
                    self.constraints.append((constraint, definition))
                    cursor.execute(f'ALTER TABLE {self.table} DROP CONSTRAINT "{constraint}"')
                else:
                    self.indexes.append(index_definition)
                    cursor.execute(f"DROP INDEX {index}")

    def build(self) -> None:
        with connection.cursor() as cursor:
            for constraint, definition in self.constraints:
                cursor.execute(f'ALTER TABLE {self.table} ADD CONSTRAINT "{constraint}" {definition}')
            for definition in self.indexes:
                cursor.execute(definition)
