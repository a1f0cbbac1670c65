"""The first visit: find or register a company, accept its first matter, hand over the card."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from butler.company.forms import CompanyRegistrationForm
from butler.fields import add_service_error
from butler.firstvisit.forms import CompanySearchForm, RegistrationsImportForm
from butler.firstvisit.registrations import COLUMNS as REGISTRATION_COLUMNS
from butler.firstvisit.registrations import registrations_import
from butler.firstvisit.selectors import first_visit_lookup
from butler.firstvisit.services import FirstVisit, first_visit_accept, first_visit_register
from butler.security import roles
from butler.service.decorators import role_required
from butler.service.views import remember_invitation
from companies.credit_code import normalize_credit_code
from companies.models import Company


@role_required(roles.BUTLER)
def search(request):
    form = CompanySearchForm(request.GET or None)
    lookup = first_visit_lookup(form.cleaned_data["q"]) if form.is_valid() else None
    context = {"form": form, "lookup": lookup, "service_days": settings.BUTLER_SERVICE_DAYS}
    return render(request, "firstvisit/search.html", context)


@role_required(roles.BUTLER)
@require_http_methods(["GET", "POST"])
def register(request):
    if request.method == "POST":
        form = CompanyRegistrationForm(request.POST)
        if form.is_valid():
            existing = Company.objects.filter(credit_code=form.cleaned_data["credit_code"]).first()
            if existing is not None:
                messages.info(
                    request, _("%(name)s is already registered with this code.") % {"name": existing.name}
                )
                return redirect("firstvisit:accept", company_pk=existing.pk)
            try:
                visit = first_visit_register(actor=request.user, registration=form.registration())
            except ValidationError as error:
                add_service_error(form, error)
            else:
                return _after_accept(request, visit)
    else:
        code = normalize_credit_code(request.GET.get("code", "")[:30])
        form = CompanyRegistrationForm(initial=CompanyRegistrationForm.initial_for_code(code))
    return render(request, "firstvisit/register.html", {"form": form})


@role_required(roles.BUTLER)
@require_http_methods(["GET", "POST"])
def accept(request, company_pk: int):
    """Confirm and accept the first matter of a company found at the window.

    Window staff see a company's public registry data here, and who its butler is; nothing more.
    """
    company = get_object_or_404(Company.objects.prefetch_related("business_types"), pk=company_pk)
    if request.method == "POST":
        try:
            visit = first_visit_accept(actor=request.user, company_id=company.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("firstvisit:accept", company_pk=company.pk)
        return _after_accept(request, visit)
    periods = list(company.service_periods.select_related("butler"))
    context = {"company": company, "periods": periods, "service_days": settings.BUTLER_SERVICE_DAYS}
    return render(request, "firstvisit/accept.html", context)


def _after_accept(request, visit: FirstVisit):
    period = visit.period
    if visit.created:
        messages.success(
            request,
            _("You are now the butler of %(company)s until %(end)s. Hand over the card below.")
            % {"company": period.company.name, "end": date_format(period.end_date, "Y-m-d")},
        )
        response = redirect("service:card", pk=period.pk)
        remember_invitation(response, period, visit.invitation_token)
        return response
    if period.is_active:
        messages.warning(
            request,
            _("%(company)s already has a butler: %(butler)s (card %(card)s).")
            % {
                "company": period.company.name,
                "butler": period.butler.display_name,
                "card": period.card_number,
            },
        )
    else:
        messages.warning(
            request,
            _(
                "%(company)s has had its butler service (card %(card)s, %(status)s); "
                "a first visit happens once."
            )
            % {
                "company": period.company.name,
                "card": period.card_number,
                "status": period.get_status_display(),
            },
        )
    if period.butler.user_id == request.user.pk:
        return redirect("company:detail", pk=period.company_id)
    return redirect("firstvisit:accept", company_pk=period.company_id)


@role_required(roles.MANAGER)
@require_http_methods(["GET", "POST"])
def registrations(request):
    """The manager imports the market regulator's list of newly registered companies: the companies a
    butler should reach, counted by the reform's figures."""
    form = RegistrationsImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            result = registrations_import(actor=request.user, uploaded=form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error("file", error)
        else:
            errors = result.errors
            if not errors:
                messages.success(
                    request,
                    _(
                        "%(created)s companies registered; %(already)s were registered before and are left "
                        "as they are; %(linked)s earlier consultations joined their contact logs."
                    )
                    % {"created": result.created, "already": result.already, "linked": result.linked},
                )
                return redirect(f"{reverse('oversight:companies')}?without_butler=on")
    context = {"form": form, "errors": errors, "columns": REGISTRATION_COLUMNS}
    return render(request, "firstvisit/registrations.html", context)
