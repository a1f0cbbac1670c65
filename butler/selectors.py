"""Reads for the butler service's pages, each a fixed number of queries whatever the data size."""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, Field, Func, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan, LessThan
from django.http import Http404
from django.utils import timezone

from butler import roles
from butler.models import Butler, PortalInvitation, ServicePeriod
from companies.credit_code import ALPHABET as CODE_ALPHABET
from companies.credit_code import normalize_credit_code, validate_credit_code
from companies.models import Company, CompanyLicence, Contact
from companies.selectors import with_lapse_risk

FIRST_VISIT_RESULTS = 20


def butler_for_user(user, *, among=()) -> Butler | None:
    """The butler profile of a signed-in butler, read once per request (``among``: butlers the caller has
    loaded already, where it is taken from without a query). The page header's ``user.butler`` reads the
    same answer: no query there either."""
    profile = Butler._meta.get_field("user").remote_field
    if not roles.is_butler(user):
        if user.is_authenticated and not profile.is_cached(user):
            profile.set_cached_value(user, None)
        return None
    cached = getattr(user, "_butler_profile", False)
    if cached is False:
        cached = next((b for b in among if b.user_id == user.pk), None) or (
            Butler.objects.filter(user=user).first()
        )
        user._butler_profile = cached
        profile.set_cached_value(user, cached)
    return cached


def token_hash(raw_token: str) -> str:
    return hashlib.sha256((raw_token or "").encode()).hexdigest()


def invitation_by_token(raw_token: str, *, lock: bool = False) -> PortalInvitation | None:
    invitations = PortalInvitation.objects.select_related("contact__company")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    return invitations.filter(token_hash=token_hash(raw_token)).first()


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


def portal_home(contact: Contact, *, today: date | None = None) -> dict:
    """The company contact's view of their butler service."""
    today = today or timezone.localdate()
    periods = list(contact.company.service_periods.select_related("butler"))
    current = next((p for p in periods if p.is_active), None)
    context = {
        "company": contact.company,
        "period": current,
        "latest": periods[0] if periods else None,
        "periods": periods,
    }
    if current is not None:
        total = current.days_total()
        context["days_left"] = current.days_left(today)
        context["progress"] = round(100 * (total - context["days_left"]) / total) if total else 100
    return context


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


def companies_for_manager(
    *,
    search: str = "",
    butler_id: int | None = None,
    without_butler: bool = False,
    after: tuple[date, int] | None = None,
) -> QuerySet:
    """Every company with its current period (if any), newest registration first (then newest id).
    ``after``: the (registration date, id) of the last company of the previous page — each page reads on
    from there through the (registered_on, id) index and nothing counts the table."""
    companies = Company.objects.prefetch_related(
        Prefetch(
            "service_periods",
            queryset=ServicePeriod.objects.active().select_related("butler"),
            to_attr="active_periods",
        ),
        "business_types",
    )
    if search.strip():
        companies = companies.filter(company_matches(search))
    if without_butler:
        companies = companies.filter(~Exists(ServicePeriod.objects.filter(company=OuterRef("pk"))))
    if butler_id:
        companies = companies.filter(service_periods__butler_id=butler_id, service_periods__status="active")
    if after is not None:
        companies = companies.filter(
            after_row("registered_on", "id", values=after, descending=True), registered_on__lte=after[0]
        )
    return companies.order_by(*_newest_first("registered_on", search))


LICENCE_DATES = ("obtain_by", "renew_by", "expires_on")


def licences_for_manager(
    *,
    date_field: str = "obtain_by",
    status: str = "",
    month: date,
    business_type_id: int | None = None,
    butler_id: int | None = None,
    after: tuple[date, int] | None = None,
) -> QuerySet:
    """Every company's licences whose chosen date (obtain by, renew by or expires on) falls in ``month``,
    by that date then id. ``butler_id``: companies that butler serves now;
    ``business_type_id``: companies of that business type. ``after``: the (date, id) of the last licence of
    the previous page. With or without a status, each page is a range scan of a (status, date, id) or
    (date, id) index that stops after the page; nothing counts the table."""
    if date_field not in LICENCE_DATES:
        raise ValueError(f"Not a licence date: {date_field}")
    licences = CompanyLicence.objects.all()
    if status:
        licences = licences.filter(status=status)
    # The month bounds every read: a filter that matches nothing reads one month of the index, not all.
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    licences = licences.filter(**{f"{date_field}__gte": first, f"{date_field}__lt": following})
    if business_type_id:
        # Checked row by row as the date index is read, which fills a page after a few hundred rows even
        # for a type 2 % of companies have. (A join or IN starts from every company of a rare type and reads
        # all their licences; "(subquery) IS NOT NULL" is never turned into a join and is estimated as
        # nearly always true, so the planner keeps reading the index in order.)
        of_type = Company.business_types.through.objects.filter(
            company_id=OuterRef("company_id"), businesstype_id=business_type_id
        )
        licences = licences.alias(of_type=Subquery(of_type.values("pk")[:1])).filter(of_type__isnull=False)
    if butler_id:
        served = ServicePeriod.objects.active().filter(butler_id=butler_id)
        licences = licences.filter(company_id__in=served.values("company_id"))
    if after is not None:
        licences = licences.filter(
            after_row(date_field, "id", values=after), **{f"{date_field}__gte": after[0]}
        )
    return licences.select_related("company", "licence_type", "vehicle", "person", "vessel").order_by(
        date_field, "pk"
    )


PORTFOLIO_SORTS = {
    "risk": ("-risk_level", "-risk_overdue", "end_date", "company__name"),
    "days_left": ("end_date", "company__name"),
    "-days_left": ("-end_date", "company__name"),
    "name": ("company__name",),
    "start": ("-start_date", "company__name"),
}


def _with_company(periods: QuerySet) -> QuerySet:
    # Not the butler: these are one butler's periods, and 300 copies of them cost more than they tell.
    return periods.select_related("company").prefetch_related(
        Prefetch("company__business_types", to_attr="business_type_list"),
        Prefetch(
            "company__contacts", queryset=Contact.objects.filter(is_primary=True), to_attr="primary_contacts"
        ),
    )


def portfolio_for(
    butler: Butler, *, search: str = "", sort: str = "risk", today: date | None = None
) -> QuerySet:
    """The butler's companies in service with their lapse risk; the most at risk first by default."""
    periods = ServicePeriod.objects.active().filter(butler=butler)
    if search.strip():
        periods = periods.filter(company__in=Company.objects.search(search))
    periods = with_lapse_risk(periods, today=today, prefix="company__licences__")
    return _with_company(periods.order_by(*PORTFOLIO_SORTS.get(sort, PORTFOLIO_SORTS["risk"])))


def count_ending_within(periods, *, days: int, today: date) -> int:
    return sum(1 for period in periods if period.is_active and period.days_left(today) <= days)


def past_periods_for(butler: Butler) -> QuerySet:
    """The butler's ended periods with their company (the list shows its name only)."""
    return (
        ServicePeriod.objects.filter(butler=butler)
        .exclude(status=ServicePeriod.Status.ACTIVE)
        .select_related("company")
    )


def periods_for_manager(*, status: str = "", butler_id: int | None = None, search: str = "") -> QuerySet:
    periods = ServicePeriod.objects.all()
    if status:
        periods = periods.filter(status=status)
    if butler_id:
        periods = periods.filter(butler_id=butler_id)
    if search.strip():
        periods = periods.filter(company_matches(search, prefix="company__"))
    # Companies and butlers come by id once the page is chosen: joined before the sort, every period of the
    # table would be joined to sort them (220 ms at 180,000 periods; 40 ms without the joins).
    return periods.prefetch_related("company", "butler").order_by(*_newest_first("start_date", search))


@dataclass
class Workload:
    butler: Butler
    in_service: int
    ending_soon: int
    cards_issued: int
    completed: int


def butler_workload(*, today: date | None = None, ending_within_days: int = 30) -> list[Workload]:
    today = today or timezone.localdate()
    soon = today + timedelta(days=ending_within_days)
    active = Q(service_periods__status=ServicePeriod.Status.ACTIVE)
    butlers = Butler.objects.annotate(
        in_service=Count("service_periods", filter=active),
        ending_soon=Count("service_periods", filter=active & Q(service_periods__end_date__lte=soon)),
        cards_issued=Count("service_periods"),
        completed=Count("service_periods", filter=Q(service_periods__status=ServicePeriod.Status.COMPLETED)),
    ).order_by("-active", "display_name")
    return [Workload(b, b.in_service, b.ending_soon, b.cards_issued, b.completed) for b in butlers]


def _with_page_figures(companies: QuerySet) -> QuerySet:
    """The company page's figures and business types, read with the company: no query of their own."""
    from companies.selectors import business_types_text, with_licence_figures

    links = Company.business_types.through.objects.all()
    return with_licence_figures(companies).annotate(
        business_types_text=business_types_text(links, owner="company")
    )


def company_for_page(user, pk: int) -> Company:
    """The company of the company page if the user may see it (else 404), read together with its licence
    figures, its business types and the user's unread notices (the bell): one query where there were six."""
    from butler.access import companies_visible_to
    from reminders.selectors import unread_count_expression

    company = (
        _with_page_figures(companies_visible_to(user).filter(pk=pk))
        .annotate(viewer_unread_notices=unread_count_expression(user))
        .first()
    )
    if company is None:
        raise Http404
    return company


def company_page(company: Company) -> dict:
    """Everything the company page shows, loaded in a fixed number of queries (one more for a company not read
    by :func:`company_for_page`: its figures)."""
    from companies.selectors import business_types_from_text, licence_figures
    from reminders.selectors import reminders_for_scope

    if not hasattr(company, "figure_matters"):
        company = _with_page_figures(Company.objects.filter(pk=company.pk)).get()
    contacts = list(company.contacts.select_related("user"))
    periods = list(company.service_periods.select_related("butler"))
    current = next((p for p in periods if p.is_active), None)
    measures, risk = licence_figures(company)
    return {
        "log": contact_log(company),
        "reminders": reminders_for_scope(f"company:{company.pk}", limit=8),
        "company": company,
        "measures": measures,
        "risk": risk,
        "business_types": business_types_from_text(company.business_types_text),
        "contacts": contacts,
        "periods": periods,
        "current_period": current,
        "history": company_history(
            company, butler_names={p.butler_id: p.butler.display_name for p in periods}
        ),
        "feedback": company_feedback(company),
    }


@dataclass
class FeedbackEntry:
    """A rating or a suggestion on the company page, with its audit case if it has one."""

    when: datetime
    rating: object = None
    suggestion: object = None

    @property
    def case(self):
        return getattr(self.rating or self.suggestion, "case", None)


def company_feedback(company: Company, *, limit: int = 5) -> list[FeedbackEntry]:
    """The company's latest ratings and suggestions, newest first: two queries."""
    from butler.models import Rating, Suggestion

    ratings = Rating.objects.filter(company=company).select_related(
        "contact", "licence__licence_type", "case"
    )
    suggestions = Suggestion.objects.filter(company=company).select_related(
        "contact", "submitted_by__butler", "licence_type", "case"
    )
    entries = [FeedbackEntry(r.created_at, rating=r) for r in ratings[:limit]]
    entries += [FeedbackEntry(s.created_at, suggestion=s) for s in suggestions[:limit]]
    return sorted(entries, key=lambda entry: entry.when, reverse=True)


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    what: str
    action: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def _describe(record, field_name: str, value, names: dict) -> str:
    from django.utils.translation import gettext

    model_field = record.instance_type._meta.get_field(field_name)
    if value is None or value == "":
        return "—"
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        return names.get((model_field.related_model, value), str(value))
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return str(value)


def history_entries(records: list, label, skip: set[str], names: dict, extra=None) -> list[HistoryEntry]:
    """Turn a model's history rows (oldest first) into entries with field-by-field changes."""
    from django.utils.translation import gettext

    actions = {"+": gettext("created"), "~": gettext("changed"), "-": gettext("deleted")}
    entries = []
    by_object: dict[int, object] = {}
    created_entry: dict[int, HistoryEntry] = {}
    for record in records:
        previous = by_object.get(record.id)
        by_object[record.id] = record
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=skip)
            for change in delta.changes:
                verbose = record.instance_type._meta.get_field(change.field).verbose_name
                changes.append(
                    (
                        str(verbose),
                        _describe(record, change.field, change.old, names),
                        _describe(record, change.field, change.new, names),
                    )
                )
            if extra is not None:
                changes.extend(extra(previous, record))
            if record.history_type == "~" and not changes:
                continue
            first = created_entry.pop(record.id, None)
            if first is not None and _same_act(previous, record):
                # Many-to-many values are set just after creation: show them as part of it.
                first.changes.extend(changes)
                continue
        user = record.history_user
        butler = getattr(user, "butler", None) if user is not None else None
        entry = HistoryEntry(
            when=record.history_date,
            who=(butler.display_name if butler else None)
            or (user and (user.get_full_name() or user.username))
            or gettext("system"),
            what=label(record),
            action=actions[record.history_type],
            changes=changes,
        )
        if record.history_type == "+":
            created_entry[record.id] = entry
        entries.append(entry)
    return entries


def _same_act(previous, record) -> bool:
    return (
        previous.history_type == "+"
        and previous.history_user_id == record.history_user_id
        and abs((record.history_date - previous.history_date).total_seconds()) < 2
    )


def _business_type_change(previous, record) -> list[tuple[str, str, str]]:
    """The business types before and after a change of the company profile, if they changed."""
    from django.utils.translation import gettext

    from companies.selectors import business_types_from_text

    before = business_types_from_text(previous.business_types_text)
    after = business_types_from_text(record.business_types_text)
    if {t.pk for t in before} == {t.pk for t in after}:
        return []

    def show(types):
        return ", ".join(sorted(t.name for t in types)) or "—"

    return [(gettext("business types"), show(before), show(after))]


def company_history(
    company: Company,
    *,
    limit: int = 100,
    butler_names: dict[int, str] | None = None,
) -> list[HistoryEntry]:
    """Who changed what, when: the company, its contacts and its service periods, newest first.
    ``butler_names``: what the caller already loaded, to spare a query. Three queries."""
    from django.utils.translation import gettext

    from companies.selectors import business_types_text

    user_fields = ("history_user", "history_user__butler")
    window = 2 * limit  # the newest rows of each kind, with room for the rows their changes compare to

    def newest(rows) -> list:
        return list(
            reversed(rows.select_related(*user_fields).order_by("-history_date", "-history_id")[:window])
        )

    # The rows django-simple-history keeps of each record's business types.
    type_links = company.history.model.business_types.model._default_manager.all()
    company_rows = newest(
        company.history.annotate(business_types_text=business_types_text(type_links, owner="history"))
    )
    contact_rows = newest(Contact.history.filter(company_id=company.pk))
    period_rows = newest(ServicePeriod.history.filter(company_id=company.pk))
    butler_names = dict(butler_names or {})
    missing = {row.butler_id for row in period_rows} - set(butler_names)
    if missing:
        butler_names |= dict(Butler.objects.filter(pk__in=missing).values_list("pk", "display_name"))
    names = {(Butler, pk): name for pk, name in butler_names.items()}
    entries = (
        history_entries(
            company_rows,
            lambda r: gettext("Company profile"),
            {"created_at", "business_types"},
            names,
            extra=_business_type_change,
        )
        + history_entries(
            contact_rows, lambda r: gettext("Contact %(name)s") % {"name": r.name}, {"user"}, names
        )
        + history_entries(
            period_rows,
            lambda r: gettext("Service period %(card)s") % {"card": r.card_number},
            {"created_at", "previous"},
            names,
        )
    )
    order = {id(entry): n for n, entry in enumerate(entries)}
    entries.sort(key=lambda e: (e.when, order[id(e)]), reverse=True)
    return entries[:limit]


def contact_log(company: Company, *, limit: int = 10) -> list:
    """The latest contacts with the company, open return visits first."""
    from butler.models import ContactRecord

    return list(
        ContactRecord.objects.filter(company=company)
        .select_related(
            "recorded_by", "licence__licence_type", "licence__vehicle", "licence__person", "licence__vessel"
        )
        .order_by("-occurred_at", "-id")[:limit]
    )


@dataclass
class Today:
    """What a butler has to act on today across the portfolio, each item one click from its action."""

    at_risk: list
    return_visits: list
    unanswered: list
    not_contacted: list
    ending: list
    no_contact_days: int

    @property
    def count(self) -> int:
        return sum(
            len(items)
            for items in (self.at_risk, self.return_visits, self.unanswered, self.not_contacted, self.ending)
        )


def today_for(butler: Butler, *, today: date | None = None, ending_within: int = 14) -> Today:
    """The butler's day, in a fixed number of queries whatever the portfolio's size."""
    from django.db.models import Max, OuterRef, Subquery

    from butler.models import ContactRecord, MessageThread, ReminderRule
    from companies.models import Trip
    from companies.selectors import Risk

    today = today or timezone.localdate()
    rule = ReminderRule.objects.filter(
        kind=ReminderRule.Kind.NO_CONTACT, licence_type=None, active=True
    ).first()
    no_contact_days = min((-offset for offset in rule.offsets), default=30) if rule else 30
    last_trip = (
        Trip.objects.filter(licence__company=OuterRef("company"))
        .values("licence__company")
        .annotate(last=Max("date"))
        .values("last")
    )
    last_record = (
        ContactRecord.objects.filter(company=OuterRef("company"))
        .values("company")
        .annotate(last=Max("occurred_at"))
        .values("last")
    )
    periods = list(
        with_lapse_risk(
            ServicePeriod.objects.active().filter(butler=butler), today=today, prefix="company__licences__"
        )
        .annotate(last_trip=Subquery(last_trip), last_record=Subquery(last_record))
        .select_related("company")
        .order_by("end_date", "pk")
    )
    not_contacted = []
    for period in periods:
        record = timezone.localtime(period.last_record).date() if period.last_record else None
        period.last_contact = max(filter(None, [period.start_date, period.last_trip, record]))
        period.silent_days = (today - period.last_contact).days
        if period.silent_days >= no_contact_days:
            not_contacted.append(period)
    companies = [period.company_id for period in periods]
    return Today(
        at_risk=sorted(
            (p for p in periods if p.risk_level >= Risk.MEDIUM), key=lambda p: (-p.risk_level, p.end_date)
        ),
        return_visits=list(
            ContactRecord.objects.filter(
                company_id__in=companies,
                return_visit_due__lte=today,
                return_visit_due__isnull=False,
                return_visit_done_at__isnull=True,
            )
            .select_related("company")
            .order_by("return_visit_due", "pk")
        ),
        unanswered=list(
            MessageThread.objects.filter(company_id__in=companies, awaiting_window=True)
            .select_related("company")
            .order_by("last_message_at", "pk")
        ),
        not_contacted=sorted(not_contacted, key=lambda p: -p.silent_days),
        ending=[p for p in periods if (p.end_date - today).days <= ending_within],
        no_contact_days=no_contact_days,
    )


@dataclass
class PeriodSummary:
    period: ServicePeriod
    obtained: list
    outstanding: list
    measures: object
    contacts: int
    open_return_visits: list
    awaiting_threads: int


def period_summary(period: ServicePeriod) -> PeriodSummary:
    """What a service period achieved and what it leaves open, for the summary and the handover."""
    from butler.models import ContactRecord, MessageThread
    from companies.lifecycle import PENDING, TO_OBTAIN
    from companies.models import CompanyLicence
    from companies.selectors import licence_measures

    end = period.ended_on or period.end_date
    licences = CompanyLicence.objects.filter(company_id=period.company_id).select_related(
        "licence_type", "vehicle", "person", "vessel"
    )
    in_period = licences.filter(accepted_on__gte=period.start_date, accepted_on__lte=end)
    return PeriodSummary(
        period=period,
        obtained=list(
            licences.filter(issued_on__gte=period.start_date, issued_on__lte=end).order_by("issued_on")
        ),
        outstanding=list(licences.filter(status__in=TO_OBTAIN | PENDING).order_by("obtain_by", "pk")),
        measures=licence_measures(in_period),
        contacts=ContactRecord.objects.filter(company_id=period.company_id, period=period).count(),
        open_return_visits=list(
            ContactRecord.objects.filter(
                company_id=period.company_id,
                return_visit_due__isnull=False,
                return_visit_done_at__isnull=True,
            ).order_by("return_visit_due")
        ),
        awaiting_threads=MessageThread.objects.filter(
            company_id=period.company_id, awaiting_window=True
        ).count(),
    )
