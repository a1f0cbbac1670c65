"""Company search and keyset pagination shared by the lists: trigram name matches, code prefixes, row
comparisons."""

from django.db.models import F, Field, Func, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan, LessThan

from companies.credit_code import ALPHABET as CODE_ALPHABET
from companies.credit_code import normalize_credit_code


class Row(Func):
    """A row value ``(a, b)``: compared as a whole, so that an index on (a, b) serves "after (x, y)" as one
    range, where ``a > x OR (a = x AND b > y)`` leads the planner astray."""

    function = ""
    template = "(%(expressions)s)"
    output_field = Field()


def after_row(*fields: str, values: tuple, descending: bool = False):
    """The rows after ``values`` in the order of ``fields`` (ascending, or descending)."""
    compare = LessThan if descending else GreaterThan
    return compare(Row(*(F(name) for name in fields)), Row(*(Value(value) for value in values)))


# pg_trgm indexes names three characters at a time: a shorter search cannot use the index.
TRIGRAM = 3


def _code_prefix(text: str) -> str:
    """The text as the start of a credit code, or "" if it cannot be one (e.g. it has Chinese in it)."""
    code = normalize_credit_code(text)
    return code if code and all(char in CODE_ALPHABET for char in code) else ""


def _newest_first(field: str, search: str) -> tuple:
    """Newest first by ``field`` then id. A name search of three or more characters finds its matches through
    the trigram index and sorts them: ordering by an expression no index gives keeps the planner from reading
    the date index backwards in the hope of meeting a rare name early (185 ms instead of 0.1 ms for a
    four-character name at 300,000 companies). A code prefix is left to the planner, which knows from the
    code's statistics how many companies share it (all of a province share "9133")."""
    search = search.strip()
    if len(search) >= TRIGRAM and not _code_prefix(search):
        return Coalesce(field, field).desc(), "-pk"
    return f"-{field}", "-pk"


def company_matches(text: str, prefix: str = "") -> Q:
    """Companies whose name contains the text or whose credit code starts with it (a whole code is the
    exact match). ``prefix``: the path to the company, e.g. ``company__``. Both halves are index scans on
    PostgreSQL (a trigram index on the name, a pattern index on the code), so the OR of them is one too."""
    text = text.strip()
    matches = Q(**{f"{prefix}name__icontains": text})
    code = _code_prefix(text)
    if code:
        matches |= Q(**{f"{prefix}credit_code__startswith": code})
    return matches
