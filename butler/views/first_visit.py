"""The first visit: find or register a company, accept its first matter, hand over the card."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from butler import roles, services
from butler.forms import CompanyRegistrationForm, CompanySearchForm
from butler.views.cards import remember_invitation
from butler.views.decorators import role_required
from companies.credit_code import normalize_credit_code, validate_credit_code
from companies.models import Company


def _as_credit_code(text: str) -> str | None:
    code = normalize_credit_code(text)
    try:
        validate_credit_code(code)
    except ValidationError:
        return None
    return code


@role_required(roles.BUTLER)
def search(request):
    form = CompanySearchForm(request.GET or None)
    context = {"form": form, "searched": False}
    if form.is_valid():
        text = form.cleaned_data["q"]
        code = _as_credit_code(text)
        context["searched"] = True
        context["code"] = code
        if code:
            context["results"] = list(
                Company.objects.filter(credit_code=code).prefetch_related("service_periods__butler")
            )
        else:
            context["looks_like_code"] = len(normalize_credit_code(text)) >= 15 and any(
                c.isdigit() for c in text
            )
            if context["looks_like_code"]:
                try:
                    validate_credit_code(text)
                except ValidationError as error:
                    context["code_error"] = error.messages[0]
            context["results"] = list(
                Company.objects.search(text).prefetch_related("service_periods__butler").order_by("name")[:20]
            )
    return render(request, "butler/first_visit_search.html", context)


@role_required(roles.BUTLER)
@require_http_methods(["GET", "POST"])
def register(request):
    code = normalize_credit_code(request.GET.get("code", ""))
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
                visit = services.first_visit_register(actor=request.user, **form.registration())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return _after_accept(request, visit)
    else:
        form = CompanyRegistrationForm(initial=CompanyRegistrationForm.initial_for_code(code))
    return render(request, "butler/first_visit_register.html", {"form": form})


@role_required(roles.BUTLER)
@require_http_methods(["GET", "POST"])
def accept(request, company_pk: int):
    """Confirm and accept the first matter of a company found at the window."""
    company = get_object_or_404(Company.objects.prefetch_related("business_types", "contacts"), pk=company_pk)
    periods = list(company.service_periods.select_related("butler"))
    if request.method == "POST":
        try:
            visit = services.first_visit_accept(actor=request.user, company_id=company.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("firstvisit:accept", company_pk=company.pk)
        return _after_accept(request, visit)
    return render(request, "butler/first_visit_accept.html", {"company": company, "periods": periods})


def _after_accept(request, visit: services.FirstVisit):
    period = visit.period
    if visit.created:
        remember_invitation(request, period, visit.invitation_token)
        messages.success(
            request,
            _("You are now the butler of %(company)s until %(end)s. Hand over the card below.")
            % {"company": period.company.name, "end": period.end_date.isoformat()},
        )
        return redirect("periods:card", pk=period.pk)
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
    if period.butler.user_id == request.user.pk or roles.is_manager(request.user):
        return redirect("companies:detail", pk=period.company_id)
    return redirect("firstvisit:accept", company_pk=period.company_id)
