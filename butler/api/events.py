"""The approval system's application events, applied to the licences they are about.

Each event names its case (办件编号). The first event of a case also names the company (credit code), the
licence type and, for a vehicle's licence, the plate; the case keeps the licence from then on. An event is
applied through the same step as the butler's pages (``licence_step``: clocks, trips, reminders, the
company's notice), as the token's user:

- the same event (its ``event_id``) sent again changes nothing and answers as the first time;
- an event that happened before the newest one applied to its case, or before the licence's own latest
  step (recorded on the pages, say), is recorded as *stale* and not applied;
- an event that finds the licence already where it would take it is recorded as *already*;
- anything else the licence's life cycle does not allow is refused, naming the field.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from butler.api.models import ApiToken, ApprovalCase, ApprovalEvent
from butler.licences.services import licence_step
from butler.service.access import CHANGE, restrict
from companies.credit_code import normalize_credit_code
from companies.lifecycle import acceptance_for
from companies.models import Company, CompanyLicence, LicenceChannel, LicenceStatus
from companies.plates import normalize_plate
from companies.workdays import local_midnight

S = LicenceStatus
Kind = ApprovalEvent.Kind
Outcome = ApprovalEvent.Outcome
# Asked for after the acceptance, materials stop the clocks (补正 during the review); before it, the
# application is incomplete and nothing runs.
ACCEPTED = (S.APPLIED, S.RENEWAL_APPLIED, S.DEFERRED)
# The service's field names as the event names them.
FIELDS = {
    "on": "occurred_at",
    "refusal_reasons": "reasons",
    "submitted_on": "occurred_at",
    "__all__": "kind",
}


class EventConflict(Exception):
    """The licence's life cycle does not allow the event now: ``errors`` by the event's field."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class Received:
    event: ApprovalEvent
    new: bool  # False: the same event came before, and nothing changed now


def approval_event_receive(
    *, token: ApiToken, data: dict, request_id: str = "", now: datetime | None = None
) -> Received:
    """Record and apply one event (``data`` as validated by the API). ``ValidationError`` naming the field
    for an event that cannot be read against the records; ``EventConflict`` for one the licence's life cycle
    refuses."""
    earlier = _earlier(data["event_id"])
    if earlier is not None:
        return Received(earlier, new=False)
    actor = token.user
    with transaction.atomic():
        case = _case(actor, data)  # locked: the events of one case are applied one at a time
        earlier = _earlier(data["event_id"])
        if earlier is not None:
            return Received(earlier, new=False)
        licence = CompanyLicence.objects.select_related("licence_type").get(pk=case.licence_id)
        occurred_at = data["occurred_at"]
        if occurred_at > (now or timezone.now()):
            raise ValidationError({"occurred_at": _("The date cannot be in the future.")})
        outcome = _apply(actor, case, licence, data)
        if outcome == Outcome.APPLIED:
            case.applied_at = occurred_at
            case._history_user = actor
            case.save(update_fields=["applied_at"])
        licence.refresh_from_db(fields=["status"])
        event = ApprovalEvent(
            event_id=data["event_id"],
            case=case,
            kind=data["kind"],
            occurred_at=occurred_at,
            payload=_as_received(data),
            outcome=outcome,
            status_after=licence.status,
            token=token,
            request_id=request_id[:64],
        )
        event._history_user = actor
        event.save()
    return Received(event, new=True)


def _earlier(event_id: str) -> ApprovalEvent | None:
    return ApprovalEvent.objects.select_related("case").filter(event_id=event_id).first()


def _case(actor: AbstractBaseUser, data: dict) -> ApprovalCase:
    number = data["case_number"].strip()
    case = ApprovalCase.objects.select_for_update().filter(number=number).first()
    if case is not None:
        if not restrict(actor, CHANGE, Company.objects.filter(licences__pk=case.licence_id)).exists():
            raise ValidationError({"case_number": _("This key may not change the licence of this case.")})
        return case
    licence = _licence(actor, data)
    try:
        with transaction.atomic():
            case = ApprovalCase(number=number, licence=licence)
            case._history_user = actor
            case.save()
    except IntegrityError:  # the same new case, sent at the same moment by another call
        case = ApprovalCase.objects.select_for_update().get(number=number)
    return case


def _licence(actor: AbstractBaseUser, data: dict) -> CompanyLicence:
    """The licence a new case is about, from the company, the licence type and the plate."""
    missing = {
        name: [_("Needed with a case number not seen before.")] for name in ("credit_code", "licence_type")
    }
    missing = {name: message for name, message in missing.items() if not data.get(name)}
    if missing:
        raise ValidationError(missing)
    company = (
        restrict(actor, CHANGE, Company.objects.all())
        .filter(credit_code=normalize_credit_code(data["credit_code"]))
        .first()
    )
    if company is None:
        raise ValidationError(
            {"credit_code": _("No company with this credit code that this key may change.")}
        )
    licences = company.licences.filter(licence_type__code=data["licence_type"])
    plate = normalize_plate(data.get("plate") or "")
    licences = licences.filter(vehicle__plate=plate) if plate else licences.filter(vehicle__isnull=True)
    found = list(licences[:2])
    if not found:
        field = "plate" if plate else "licence_type"
        raise ValidationError({field: _("The company has no such licence on its checklist.")})
    if len(found) > 1:
        raise ValidationError({"plate": _("Several licences of this type: name the vehicle's plate.")})
    return found[0]


def _state_moment(licence: CompanyLicence) -> datetime | None:
    """When the licence's latest recorded step happened (its time, or the start of its day)."""
    moments = [
        licence.accepted_at or (licence.accepted_on and local_midnight(licence.accepted_on)),
        licence.decided_at or (licence.decided_on and local_midnight(licence.decided_on)),
        licence.missing_noted_on and local_midnight(licence.missing_noted_on),
        licence.paused_on and local_midnight(licence.paused_on),
    ]
    return max((moment for moment in moments if moment), default=None)


def _target(kind: str, licence: CompanyLicence) -> str | None:
    if kind == Kind.ACCEPTED:
        return acceptance_for(licence)
    if kind == Kind.MATERIALS_MISSING:
        return S.SUPPLEMENTING if licence.status in ACCEPTED else S.MATERIALS_MISSING
    return S.ISSUED if kind == Kind.ISSUED else S.REFUSED


def _already(kind: str, licence: CompanyLicence, data: dict) -> bool:
    if kind == Kind.ACCEPTED:
        return licence.status in ACCEPTED
    if kind == Kind.MATERIALS_MISSING:
        return licence.status in (S.MATERIALS_MISSING, S.SUPPLEMENTING)
    if kind == Kind.ISSUED:
        return licence.status == S.ISSUED and licence.certificate_number == data.get("certificate_number")
    return licence.status == S.REFUSED


def _apply(actor: AbstractBaseUser, case: ApprovalCase, licence: CompanyLicence, data: dict) -> str:
    occurred_at, kind = data["occurred_at"], data["kind"]
    newest = max(filter(None, (case.applied_at, _state_moment(licence))), default=None)
    if newest is not None and occurred_at < newest or case.applied_at and occurred_at <= case.applied_at:
        return Outcome.STALE
    if _already(kind, licence, data):
        return Outcome.ALREADY
    to = _target(kind, licence)
    if to is None:
        raise EventConflict({"kind": [_("The licence cannot be accepted from where it stands.")]})
    try:
        licence_step(actor=actor, licence=licence, to=to, **_details(kind, licence, data))
    except ValidationError as refused:
        if not hasattr(refused, "error_dict"):
            raise EventConflict({"kind": refused.messages}) from None
        errors = {}
        for name, messages in refused.message_dict.items():
            errors.setdefault(FIELDS.get(name, name), []).extend(messages)
        if set(errors) == {"kind"}:
            raise EventConflict(errors) from None
        raise ValidationError(errors) from None
    return Outcome.APPLIED


def _details(kind: str, licence: CompanyLicence, data: dict) -> dict:
    on = timezone.localdate(data["occurred_at"])
    if kind == Kind.ACCEPTED:
        return {"on": on, "channel": data.get("channel") or LicenceChannel.ONLINE}
    if kind == Kind.MATERIALS_MISSING:
        materials, reasons = _materials(licence, data.get("materials") or [])
        return {"on": on, "materials": materials, "reasons": reasons, "supply_by": data.get("supply_by")}
    if kind == Kind.ISSUED:
        return {
            "on": on,
            "certificate_number": data.get("certificate_number") or "",
            "issued_on": data.get("issued_on"),
            "expires_on": data.get("expires_on"),
        }
    return {"on": on, "refusal_reasons": data.get("reasons") or ""}


def _materials(licence: CompanyLicence, sent: list[dict]) -> tuple[list, dict]:
    """The catalogue's materials named by the event (Chinese or English name), and why each is missing."""
    catalogue = {}
    for material in licence.licence_type.materials.all():
        catalogue[material.name_zh.strip()] = catalogue[material.name_en.strip().lower()] = material
    chosen, reasons, unknown = [], {}, []
    for item in sent:
        name = item["name"].strip()
        material = catalogue.get(name) or catalogue.get(name.lower())
        if material is None:
            unknown.append(name)
            continue
        chosen.append(material)
        if item.get("reason"):
            reasons[str(material.pk)] = item["reason"]
    if unknown:
        raise ValidationError(
            {"materials": _("Not materials of this licence type: %(names)s.") % {"names": "、".join(unknown)}}
        )
    return chosen, reasons


def _as_received(data: dict) -> dict:
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in data.items()}
