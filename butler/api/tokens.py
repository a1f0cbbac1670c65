"""Integration tokens: made with a key shown once, kept as its SHA-256, found by it, revoked."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from butler.api.models import ApiToken, Scope

KEY_PREFIX = "bk_"
# last_used_at is written at most this often per token: a busy integration does not write on every call.
TOUCH_EVERY = timedelta(minutes=1)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _scopes(scopes) -> list[str]:
    chosen = sorted(set(scopes))
    unknown = [scope for scope in chosen if scope not in Scope.values]
    if not chosen or unknown:
        raise ValidationError({"scopes": _("Choose at least one of the scopes offered.")})
    return chosen


@transaction.atomic
def token_make(
    *, actor: AbstractBaseUser | None, name: str, user: AbstractBaseUser, scopes, rate: str = ""
) -> tuple[ApiToken, str]:
    """A new token for an integration, acting as ``user``: the token and its key, which is not kept and
    cannot be shown again."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip(),
        user=user,
        scopes=_scopes(scopes),
        rate=rate.strip(),
        prefix=key[:10],
        key_hash=key_hash(key),
    )
    token.full_clean()
    token._history_user = actor
    token.save()
    return token, key


def token_revoke(*, actor: AbstractBaseUser | None, token: ApiToken, now: datetime | None = None) -> ApiToken:
    """The token stops working at once; it stays on record with what it did."""
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token._history_user = actor
        token.save(update_fields=["revoked_at"])
    return token


def token_find(key: str) -> ApiToken | None:
    """The active token with this key, with the user it acts as."""
    if not key.startswith(KEY_PREFIX):
        return None
    return (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def token_touch(token: ApiToken, *, now: datetime | None = None) -> None:
    """Note that the token was used now (at most once a minute)."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
