"""The published results of 好差评, open to anyone without signing in."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from butler.feedback.publication import public_results


@login_not_required
@require_GET
def results(request):
    months, improvements = public_results()
    context = {
        "months": months,
        "improvements": improvements,
        "limit_days": settings.BUTLER_AUDIT_RECTIFY_DAYS,
    }
    return render(request, "feedback/results.html", context)
