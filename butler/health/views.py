"""``/healthz``: the health checks as JSON, 200 when every one passes, 503 otherwise (``butler/health.py``).

Open to everyone (a load balancer signs in as nobody); GET and HEAD only; never cached; it reads neither the
session nor the user, so polling it writes nothing.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from butler.health import checks as health


@login_not_required
@never_cache
@require_safe
def healthz(request):
    report = health.health_report()
    response = JsonResponse(report.as_dict(), status=200 if report.ok else 503)
    if request.method == "HEAD":  # the status says it all; a body would only be dropped by the server
        response.content = b""
    return response
