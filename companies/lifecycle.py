"""The licence life cycle: which status may follow which, and what counts as done or as progress."""

from companies.models import LicenceStatus as S

TRANSITIONS: dict[str, set[str]] = {
    S.REQUIRED: {S.IN_PREPARATION, S.APPLIED, S.ISSUED, S.NOT_REQUIRED, S.WITHDRAWN},
    S.IN_PREPARATION: {S.APPLIED, S.REQUIRED, S.NOT_REQUIRED, S.WITHDRAWN},
    S.APPLIED: {S.MATERIALS_MISSING, S.ISSUED, S.WITHDRAWN},
    S.MATERIALS_MISSING: {S.APPLIED, S.RENEWAL_APPLIED, S.WITHDRAWN},
    S.ISSUED: {S.RENEWAL_DUE, S.RENEWAL_APPLIED, S.EXPIRED, S.CANCELLED},
    S.RENEWAL_DUE: {S.RENEWAL_APPLIED, S.EXPIRED, S.CANCELLED},
    S.RENEWAL_APPLIED: {S.ISSUED, S.MATERIALS_MISSING, S.CANCELLED},
    S.EXPIRED: {S.APPLIED, S.REQUIRED, S.CANCELLED},
    S.NOT_REQUIRED: {S.REQUIRED},
    S.WITHDRAWN: {S.REQUIRED, S.IN_PREPARATION, S.APPLIED},
    S.CANCELLED: {S.REQUIRED},
}

# Still to be obtained: counted against the obtain-by deadline.
TO_OBTAIN = {S.REQUIRED, S.IN_PREPARATION, S.APPLIED, S.MATERIALS_MISSING}
# Held, and to be kept: counted against the expiry.
HELD = {S.ISSUED, S.RENEWAL_DUE, S.RENEWAL_APPLIED}
# An application the authority is deciding: statutory and committed due dates apply.
PENDING = {S.APPLIED, S.MATERIALS_MISSING, S.RENEWAL_APPLIED}
# Nothing more to do.
CLOSED = {S.NOT_REQUIRED, S.WITHDRAWN, S.CANCELLED}


def targets(licence) -> set[str]:
    """The statuses this licence may move to next.

    Materials supplied send an application back to where it was: a first application to "applied", a
    renewal (the licence was issued before) to "renewal applied".
    """
    possible = set(TRANSITIONS.get(licence.status, set()))
    if licence.status == S.MATERIALS_MISSING:
        possible.discard(S.APPLIED if licence.issued_on else S.RENEWAL_APPLIED)
    return possible


def allowed(licence, target: str) -> bool:
    return target in targets(licence)
