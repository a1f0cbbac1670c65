"""Counting a page's queries: with every list on the page filled, the same at a small and a large size.

A bound far above what a page makes cannot catch an N+1; a bound measured with empty lists cannot either.
So a page's bound is what it makes, measured with each of its lists filled, plus at most 2, and the count
must not change when every list grows.
"""

import re
from collections import Counter
from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def page_queries(client, url: str, data: dict | None = None, **extra) -> tuple[int, object]:
    """GET ``url``: the number of queries it took and the response (which must be a 200)."""
    statements, response = _page_statements(client, url, data, **extra)
    return len(statements), response


def _page_statements(client, url: str, data: dict | None = None, **extra) -> tuple[list[str], object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data or {}, **extra)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return [query["sql"] for query in queries.captured_queries], response


def _shape(sql: str) -> str:
    """A statement without its literals, numbers and cursor names: the same query for another row."""
    return re.sub(r"'[^']*'|\b\d+\b|_django_curs_\w+", "?", sql)


def _grown(small: list[str], large: list[str]) -> str:
    """The statements the large run made more often than the small one: where the N+1 is."""
    before, after = Counter(map(_shape, small)), Counter(map(_shape, large))
    lines = [f"  {after[sql]}× (was {before[sql]}×) {sql[:300]}" for sql in after if after[sql] > before[sql]]
    return "\n".join(lines)


def assert_fixed_queries(
    client,
    url: str,
    *,
    fill: Callable[[int, int], object],
    at_most: int,
    sizes: tuple[int, int] = (3, 30),
    data: dict | None = None,
    check: Callable[[object, int], object] | None = None,
    **extra,
):
    """Fill every list the page shows to ``sizes[0]`` rows, count the page's queries; fill to ``sizes[1]``,
    count again. Both counts must be equal and at most ``at_most``. Returns the last response.

    ``fill(start, stop)`` adds the rows numbered ``start`` to ``stop - 1`` to each list of the page;
    ``check(response, size)``, when given, asserts that the lists show what was filled.
    """
    # A session's first request reads a little more (its user, its language).
    client.get(url, data or {}, **extra)
    runs = []
    filled = 0
    for size in sizes:
        fill(filled, size)
        filled = size
        statements, response = _page_statements(client, url, data, **extra)
        if check is not None:
            # A check asserts; one that returns False instead (a lambda comparing) fails here all the same.
            assert check(response, size) is not False, f"{url}: the lists do not show {size} rows each"
        runs.append(statements)
    small, large = (len(run) for run in runs)
    assert small == large, (
        f"{url}: {small} queries with {sizes[0]} rows a list, {large} with {sizes[1]}:\n{_grown(*runs)}"
    )
    assert large <= at_most, f"{url}: {large} queries, more than the page's {at_most}"
    return response
