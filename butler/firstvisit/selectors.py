"""Finding the company a first visit is for, by name or unified social credit code."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Prefetch

from butler.service.models import ServicePeriod
from companies.credit_code import normalize_credit_code, validate_credit_code
from companies.models import Company

FIRST_VISIT_RESULTS = 20


@dataclass
class Lookup:
    """What the first-visit search found for what the clerk typed."""

    code: str | None = None  # the text was a valid credit code
    code_error: str = ""  # it looked like a code but is not valid: why
    companies: list = field(default_factory=list)
    more: bool = False  # more companies match than are shown


def first_visit_lookup(text: str) -> Lookup:
    """A valid credit code finds exactly its company; anything else searches names (public registry data)."""
    code = normalize_credit_code(text)
    with_butler = Prefetch(
        "service_periods",
        queryset=ServicePeriod.objects.select_related("butler").order_by("-start_date", "-id"),
    )
    try:
        validate_credit_code(code)
    except ValidationError as error:
        lookup = Lookup()
        if len(code) >= 15 and any(char.isdigit() for char in code):
            lookup.code_error = error.messages[0]
        found = list(
            Company.objects.search(text)
            .prefetch_related(with_butler)
            .order_by("name")[: FIRST_VISIT_RESULTS + 1]
        )
        lookup.companies, lookup.more = found[:FIRST_VISIT_RESULTS], len(found) > FIRST_VISIT_RESULTS
        return lookup
    return Lookup(
        code=code, companies=list(Company.objects.filter(credit_code=code).prefetch_related(with_butler))
    )
