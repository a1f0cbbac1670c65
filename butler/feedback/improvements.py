"""Improvement actions, and the catalogue's material counts over time (the reform's own measure:
material reduction = 1 − after / before, e.g. 887 → 431 materials).

Counts at a moment come from the catalogue's history: the materials there now, less those added since,
plus those removed since — so materials seeded before history was kept count as always there.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from butler.feedback.models import AuditCase, ImprovementAction
from butler.security import roles
from companies.models import LicenceMaterial, LicenceType
from companies.workdays import local_midnight

Status = ImprovementAction.Status


def _now_counts() -> tuple[Counter, Counter]:
    """Materials per licence type id now, and of them those obtained by data sharing (one query)."""
    rows = (
        LicenceMaterial.objects.values_list("licence_type_id")
        .annotate(n=Count("pk"), shared=Count("pk", filter=Q(by_data_sharing=True)))
        .order_by()
    )
    counts, shared = Counter(), Counter()
    for licence_type_id, n, n_shared in rows:
        counts[licence_type_id], shared[licence_type_id] = n, n_shared
    return counts, shared


def _counts_at(now: Counter, moment: datetime | None) -> Counter:
    """Materials per licence type id at a moment, from those of now less what was added since plus what
    was removed since (one query; none for now)."""
    counts = Counter(now)
    if moment is not None:
        changes = (
            LicenceMaterial.history.filter(history_date__gt=moment, history_type__in=["+", "-"])
            .values_list("licence_type_id", "history_type")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for licence_type_id, history_type, n in changes:
            counts[licence_type_id] += -n if history_type == "+" else n
    return +counts  # drop types that had none


def material_counts_at(moment: datetime | None = None) -> Counter:
    """Materials per licence type id at a moment (now when None)."""
    return _counts_at(_now_counts()[0], moment)


@dataclass
class ReductionRow:
    licence_type: LicenceType
    before: int
    after: int
    shared: int = 0  # of ``after``, those the window obtains by data sharing

    @property
    def change(self) -> int:
        return self.after - self.before


@dataclass
class Reduction:
    """Materials in the catalogue on a date and now, overall and per licence type that changed."""

    since: date
    before: int
    after: int
    rows: list[ReductionRow] = field(default_factory=list)
    shared: int = 0  # of ``after``, those the window obtains by data sharing: still in the catalogue,
    # no longer handed in by the applicant — counted apart, not as a reduction
    until: date | None = None  # None: now

    @property
    def handed_in(self) -> int:
        return self.after - self.shared

    @property
    def reduction(self) -> float | None:
        """1 − after / before (the share of materials no longer asked for), None without a baseline."""
        return None if not self.before else 1 - self.after / self.before


def material_reduction(*, since: date, until: date | None = None) -> Reduction:
    """The catalogue's materials at the start of ``since`` and at the end of ``until`` (now when None or
    today or later), with the entries that changed; those obtained by data sharing (as the catalogue marks
    them now) counted apart."""
    end = local_midnight(until + timedelta(days=1)) if until and until < timezone.localdate() else None
    now, shared = _now_counts()
    before, after = _counts_at(now, local_midnight(since)), _counts_at(now, end)
    changed = {pk for pk in before.keys() | after.keys() if before[pk] != after[pk] or shared[pk]}
    types = LicenceType.objects.in_bulk(changed)
    rows = sorted(
        (
            ReductionRow(types[pk], before[pk], after[pk], min(shared[pk], after[pk]))
            for pk in changed
            if pk in types
        ),
        key=lambda row: (row.change, row.licence_type.position),
    )
    return Reduction(
        since=since,
        until=until if end else None,
        before=sum(before.values()),
        after=sum(after.values()),
        shared=sum(row.shared for row in rows),
        rows=rows,
    )


def licence_type_counts(action: ImprovementAction) -> tuple[int, int] | None:
    """The linked licence type's materials the day before the catalogue change and now."""
    if action.licence_type_id is None or action.changed_on is None:
        return None
    before = material_counts_at(local_midnight(action.changed_on))[action.licence_type_id]
    return before, material_counts_at()[action.licence_type_id]


def _check(
    *, actor, title, owner, due_on, licence_type, changed_on, status, outcome, done_on, created_on=None
) -> dict:
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Say in a line what will change.")
    if owner is None or not owner.is_active or not roles.is_staff_role(owner):
        errors["owner"] = _("The owner is an active member of the window's staff.")
    if due_on is None:
        errors["due_on"] = _("Give the date by which it is done.")
    if changed_on is not None and licence_type is None:
        errors["licence_type"] = _("Choose the catalogue entry that changed.")
    if changed_on is not None and changed_on > timezone.localdate():
        errors["changed_on"] = _("The catalogue change cannot lie in the future; record it once made.")
    if status not in Status.values:
        errors["status"] = _("Choose a status.")
    if status == Status.DONE and not (outcome or "").strip():
        errors["outcome"] = _("Say what came of it before marking it done.")
    if done_on is not None and done_on > timezone.localdate():
        errors["done_on"] = _("An action cannot be done in the future.")
    if done_on is not None and created_on is not None and done_on < created_on:
        errors["done_on"] = _("An action cannot be done before it was created (%(day)s).") % {
            "day": created_on.isoformat()
        }
    return errors


def _manager(actor) -> None:
    if not roles.is_manager(actor):
        raise PermissionDenied(_("Only a manager creates or changes improvement actions."))


@transaction.atomic
def improvement_create(
    *,
    actor: AbstractBaseUser,
    title: str,
    owner,
    due_on: date | None,
    description: str = "",
    cases: list[AuditCase] | tuple = (),
    licence_type: LicenceType | None = None,
    changed_on: date | None = None,
) -> ImprovementAction:
    """A manager turns one or more cases (or an idea of their own) into a tracked improvement."""
    _manager(actor)
    errors = _check(
        actor=actor,
        title=title,
        owner=owner,
        due_on=due_on,
        licence_type=licence_type,
        changed_on=changed_on,
        status=Status.PLANNED,
        outcome="",
        done_on=None,
    )
    if errors:
        raise ValidationError(errors)
    action = ImprovementAction(
        title=title.strip(),
        description=(description or "").strip(),
        owner=owner,
        due_on=due_on,
        licence_type=licence_type,
        changed_on=changed_on,
        created_by=actor,
    )
    action.full_clean()
    action._history_user = actor
    action.save()
    if cases:
        action.cases.set(cases)
    return action


@transaction.atomic
def improvement_update(
    *,
    actor: AbstractBaseUser,
    action: ImprovementAction,
    status: str,
    outcome: str = "",
    owner=None,
    due_on: date | None = None,
    licence_type: LicenceType | None = None,
    changed_on: date | None = None,
    done_on: date | None = None,
    cases: list[AuditCase] | None = None,
) -> ImprovementAction:
    """Move an action on: its status, outcome, owner, due date and catalogue change."""
    _manager(actor)
    action = ImprovementAction.objects.select_for_update().get(pk=action.pk)
    owner = owner or action.owner
    due_on = due_on or action.due_on
    done_on = (done_on or action.done_on or timezone.localdate()) if status == Status.DONE else None
    errors = _check(
        actor=actor,
        title=action.title,
        owner=owner,
        due_on=due_on,
        licence_type=licence_type,
        changed_on=changed_on,
        status=status,
        outcome=outcome,
        done_on=done_on,
        created_on=timezone.localtime(action.created_at).date(),
    )
    if errors:
        raise ValidationError(errors)
    action.status, action.outcome, action.owner, action.due_on = (
        status,
        (outcome or "").strip(),
        owner,
        due_on,
    )
    action.licence_type, action.changed_on, action.done_on = licence_type, changed_on, done_on
    action.full_clean()
    action._history_user = actor
    action.save()
    if cases is not None:
        action.cases.set(cases)
    return action
