"""The licence life cycle: which status may follow which, and what counts as done or as progress.

Two clocks: materials handed in incomplete get one complete notice and wait for the company ("incomplete",
补正) — nothing is accepted and no clock runs; the statutory and committed clocks start at acceptance (受理),
also when minor items may follow by a date (容缺受理, "accepted, items to follow"); materials asked for during
the review stop both clocks until they arrive ("supplementing"). A decision issues the licence or refuses it
with written reasons; the applicant may withdraw.
"""

from companies.models import LicenceStatus as S

TRANSITIONS: dict[str, set[str]] = {
    S.REQUIRED: {
        S.IN_PREPARATION,
        S.MATERIALS_MISSING,
        S.APPLIED,
        S.DEFERRED,
        S.ISSUED,
        S.NOT_REQUIRED,
        S.WITHDRAWN,
    },
    S.IN_PREPARATION: {S.MATERIALS_MISSING, S.APPLIED, S.DEFERRED, S.REQUIRED, S.NOT_REQUIRED, S.WITHDRAWN},
    S.MATERIALS_MISSING: {S.APPLIED, S.DEFERRED, S.RENEWAL_APPLIED, S.WITHDRAWN},
    S.APPLIED: {S.SUPPLEMENTING, S.ISSUED, S.REFUSED, S.WITHDRAWN},
    S.DEFERRED: {S.APPLIED, S.ISSUED, S.REFUSED, S.WITHDRAWN},
    S.SUPPLEMENTING: {S.APPLIED, S.RENEWAL_APPLIED, S.REFUSED, S.WITHDRAWN},
    S.ISSUED: {S.RENEWAL_DUE, S.RENEWAL_APPLIED, S.MATERIALS_MISSING, S.EXPIRED, S.CANCELLED},
    S.RENEWAL_DUE: {S.RENEWAL_APPLIED, S.MATERIALS_MISSING, S.EXPIRED, S.CANCELLED},
    S.RENEWAL_APPLIED: {S.ISSUED, S.SUPPLEMENTING, S.REFUSED, S.CANCELLED},
    S.REFUSED: {S.REQUIRED, S.IN_PREPARATION, S.MATERIALS_MISSING, S.APPLIED, S.EXPIRED, S.CANCELLED},
    S.EXPIRED: {S.MATERIALS_MISSING, S.APPLIED, S.REQUIRED, S.CANCELLED},
    S.NOT_REQUIRED: {S.REQUIRED},
    S.WITHDRAWN: {S.REQUIRED, S.IN_PREPARATION, S.MATERIALS_MISSING, S.APPLIED},
    S.CANCELLED: {S.REQUIRED},
}

# Still to be obtained: counted against the window's target date (取证期限).
TO_OBTAIN = {
    S.REQUIRED,
    S.IN_PREPARATION,
    S.MATERIALS_MISSING,
    S.APPLIED,
    S.DEFERRED,
    S.SUPPLEMENTING,
    S.REFUSED,
}
# Held, and to be kept: counted against the expiry.
HELD = {S.ISSUED, S.RENEWAL_DUE, S.RENEWAL_APPLIED}
# Accepted and not decided: the statutory and committed due dates apply (stopped while supplementing).
PENDING = {S.APPLIED, S.DEFERRED, S.SUPPLEMENTING, S.RENEWAL_APPLIED}
# Accepted, and the window's move: late once a due date passes.
CLOCK_RUNNING = {S.APPLIED, S.DEFERRED, S.RENEWAL_APPLIED}
# The company's move: materials to supply by a date; none of it is the window's time.
COMPANYS_MOVE = {S.MATERIALS_MISSING, S.SUPPLEMENTING}
# Nothing more to do.
CLOSED = {S.NOT_REQUIRED, S.WITHDRAWN, S.CANCELLED}
# A renewal under way (the licence was issued before): supplied materials send it back to "renewal accepted".
ACCEPTANCE = {S.APPLIED, S.RENEWAL_APPLIED}


# The next steps as offered, the usual way forward first and the endings last.
STEP_ORDER = [
    S.APPLIED,
    S.RENEWAL_APPLIED,
    S.ISSUED,
    S.DEFERRED,
    S.MATERIALS_MISSING,
    S.SUPPLEMENTING,
    S.REFUSED,
    S.IN_PREPARATION,
    S.RENEWAL_DUE,
    S.REQUIRED,
    S.WITHDRAWN,
    S.NOT_REQUIRED,
    S.EXPIRED,
    S.CANCELLED,
]


def targets(licence) -> set[str]:
    """The statuses this licence may move to next.

    Materials supplied send an application back to its acceptance: a first application to "accepted", a
    renewal (the licence was issued before) to "renewal accepted". Only a licence held until now can be
    refused a renewal and lapse; a first application refused is applied for again.
    """
    possible = set(TRANSITIONS.get(licence.status, set()))
    renewing = bool(licence.first_issued_on or licence.issued_on)
    if licence.status in (S.MATERIALS_MISSING, S.SUPPLEMENTING):
        possible.discard(S.APPLIED if renewing else S.RENEWAL_APPLIED)
        if renewing:
            possible.discard(S.DEFERRED)
    if licence.status == S.REFUSED and not renewing:
        possible -= {S.EXPIRED, S.CANCELLED}
    return possible


def allowed(licence, target: str) -> bool:
    return target in targets(licence)


def acceptance_for(licence) -> str | None:
    """How this licence is accepted when filed now: a renewal of one held before, or a first application;
    None when it cannot be filed from where it stands."""
    for step in (S.RENEWAL_APPLIED, S.APPLIED):
        if allowed(licence, step):
            return step
    return None
