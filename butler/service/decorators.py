from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from butler.security.roles import roles_of


def role_required(*allowed: str):
    """Signed-in users of one of these roles pass; others get 403, anonymous users the sign-in page."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not roles_of(request.user) & set(allowed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
