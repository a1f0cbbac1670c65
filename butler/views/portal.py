"""The company portal: made for a phone first."""

from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from butler import roles, services
from butler.forms import InvitationAcceptForm
from butler.views.decorators import role_required
from companies.phones import tel_uri


@role_required(roles.COMPANY)
def home(request):
    contact = getattr(request.user, "contact", None)
    if contact is None:
        raise PermissionDenied
    company = contact.company
    periods = list(company.service_periods.select_related("butler"))
    current = next((p for p in periods if p.is_active), None)
    context = {
        "contact": contact,
        "company": company,
        "period": current,
        "latest": periods[0] if periods else None,
        "window_name": services.window_name(),
        "service_hours": services.service_hours(),
    }
    if current is not None:
        context["office_tel"] = tel_uri(current.butler.office_phone)
        context["mobile_tel"] = tel_uri(current.butler.mobile) if current.butler.mobile else ""
        context["progress"] = round(100 * (current.days_total() - current.days_left()) / current.days_total())
    return render(request, "portal/home.html", context)


@require_http_methods(["GET", "POST"])
def invitation(request, token: str):
    found = services.invitation_find(token)
    if found is None or not found.is_usable() or found.contact.user_id:
        return render(request, "portal/invitation_invalid.html", {"invitation": found}, status=410)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                raw_token=token, mobile=form.cleaned_data["mobile"], password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("portal:home")
    return render(request, "portal/invitation.html", {"form": form, "invitation": found})
