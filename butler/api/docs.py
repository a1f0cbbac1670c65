"""Who reads the API's schema and docs page: the window's staff signed in, or any valid key."""

from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication

from butler.api.access import TokenAuthentication
from butler.api.models import ApiToken
from butler.security.roles import BUTLER, MANAGER, is_staff_role
from butler.service.decorators import role_required

# The docs page is a page of the product: the staff sign in to read it.
staff_only = role_required(BUTLER, MANAGER)


class DocsAccess(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiToken) or is_staff_role(request.user)


DOCS = {
    "authentication_classes": [TokenAuthentication, SessionAuthentication],
    "permission_classes": [DocsAccess],
}
