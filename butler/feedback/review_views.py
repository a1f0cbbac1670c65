"""The reviewer's pages (申诉): disputed ratings, decided by a body outside the window. Only the reviewer
decides; the window files the dispute when it classifies a rating as mistaken or malicious."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from butler.feedback import cases as case_services
from butler.feedback.audit_forms import DisputeDecisionForm
from butler.feedback.models import AuditCase, Dispute
from butler.fields import add_service_error
from butler.security import roles
from butler.service.decorators import role_required

DISPUTES = Dispute.objects.select_related(
    "case__company", "case__rating__licence__licence_type", "case__rating__period", "filed_by", "decided_by"
)


@role_required(roles.REVIEWER)
def disputes(request):
    """Disputes to decide first, then those decided, newest first."""
    rows = list(DISPUTES.order_by("decided_at", "-filed_at")[:200])
    context = {
        "waiting": [row for row in rows if row.upheld is None],
        "decided": [row for row in rows if row.upheld is not None],
    }
    return render(request, "feedback/disputes.html", context)


@role_required(roles.REVIEWER)
@require_http_methods(["GET", "POST"])
def dispute(request, pk: int):
    found = get_object_or_404(DISPUTES, pk=pk)
    case = found.case
    open_to_decide = found.upheld is None and case.step == AuditCase.Step.REVIEW
    form = DisputeDecisionForm(request.POST or None) if open_to_decide else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                case_services.dispute_decide(actor=request.user, case=case, **form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The decision is recorded; the window is told."))
                return redirect("feedback:disputes")
    return render(request, "feedback/dispute.html", {"dispute": found, "case": case, "form": form})
