"""How a call is let in: its token (``Authorization: Bearer <key>``), the scope the endpoint needs, the
token's rate, and a log line for every call with its request id."""

import logging
import time

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, permissions, throttling
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from butler.api.models import ApiToken
from butler.api.tokens import token_find, token_touch

logger = logging.getLogger("butler.api")


class TokenAuthentication(BaseAuthentication):
    keywords = (b"bearer", b"token")

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the key as: Authorization: Bearer <key>."))
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("This key is not valid or was revoked.")) from None
        token = token_find(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("This key is not valid or was revoked."))
        token_touch(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(_("An integration's key, from the admin.")),
        }


class HasScope(permissions.BasePermission):
    """The token carries the scope the view names (``required_scope``)."""

    message = _("This key's scopes do not allow this call.")

    def has_permission(self, request, view) -> bool:
        token = request.auth
        scope = getattr(view, "required_scope", None)
        return isinstance(token, ApiToken) and scope is not None and scope in token.scopes


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """Each token its own rate (the token's, or BUTLER_API_RATE), counted in the shared cache."""

    scope = "token"

    def get_rate(self) -> str:
        return settings.BUTLER_API_RATE

    def allow_request(self, request, view) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.rate:
            self.rate = token.rate
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        token = request.auth
        ident = f"t{token.pk}" if isinstance(token, ApiToken) else self.get_ident(request)
        # Under the abuse limits' prefix: one place to keep every counter of the kind apart.
        prefix = getattr(settings, "RATELIMIT_CACHE_PREFIX", "rl:")
        return f"{prefix}api:{ident}"


def field_errors(
    error: DjangoValidationError, names: dict[str, str] | None = None
) -> exceptions.ValidationError:
    """A service's refusal as the API's 400, each message under the field the caller sent (``names`` maps
    the service's field names to the API's)."""
    names = names or {}
    if hasattr(error, "error_dict"):
        detail = {}
        for field, messages in error.message_dict.items():
            key = names.get(field, field)
            if key == "__all__":
                key = "non_field_errors"
            detail.setdefault(key, []).extend(messages)
        return exceptions.ValidationError(detail)
    return exceptions.ValidationError({"non_field_errors": error.messages})


class Logged:
    """Every call logged once: who, what, the answer and how long, under the request's id. A query parameter
    the endpoint does not take (``query_parameters``) is refused by name rather than silently ignored."""

    query_parameters: frozenset[str] = frozenset()

    def initial(self, request, *args, **kwargs):
        request._api_started = time.perf_counter()
        super().initial(request, *args, **kwargs)
        unknown = sorted(set(request.query_params) - self.query_parameters)
        if unknown:
            raise exceptions.ValidationError(
                {name: [_("This endpoint takes no such parameter.")] for name in unknown}
            )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        started = getattr(request, "_api_started", None)
        token = getattr(request, "_auth", None)  # as authentication left it, without authenticating again
        logger.info(
            "api %s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "token": token.name if isinstance(token, ApiToken) else "",
                "token_id": token.pk if isinstance(token, ApiToken) else None,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            },
        )
        return response
