"""The company page and what its butler or the manager changes there."""

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from butler.company.forms import (
    CompanyProfileForm,
    CompanyStatusForm,
    ContactEditForm,
    ContactForm,
    EndEarlyForm,
    TransferForm,
)
from butler.company.selectors import company_for_page, company_page
from butler.company.selectors import period_summary as summary_of
from butler.company.services import (
    company_contact_add,
    company_contact_update,
    company_exit,
    company_profile_update,
)
from butler.company.timeline import KINDS, company_timeline
from butler.contactlog.forms import ContactRecordForm
from butler.fields import add_service_error
from butler.messaging.selectors import company_threads_card
from butler.security import roles
from butler.service import access
from butler.service.decorators import role_required
from butler.service.forms import HandoverForm
from butler.service.models import ServicePeriod
from butler.service.selectors import butler_for_user
from butler.service.services import handover_note_save, service_period_end_early, service_period_transfer
from companies.models import Company, Contact

PERIODS = ServicePeriod.objects.select_related("company", "butler")

STAFF = (roles.BUTLER, roles.MANAGER)


@role_required(*STAFF)
def detail(request, pk: int):
    company = company_for_page(request.user, pk)
    context = company_page(company)
    context["unread_notices"] = company.viewer_unread_notices
    periods = context["periods"]
    context["can_serve"] = access.can_serve(request.user, company, periods=periods)
    butler_for_user(request.user, among=[period.butler for period in periods])
    if access.own_contacts_only(request.user, company, serves=context["can_serve"]):
        # A butler who served the company before reads the contacts they recorded, nothing newer.
        context["log"] = [record for record in context["log"] if record.recorded_by_id == request.user.pk]
    if context["can_serve"]:
        context["log_form"] = ContactRecordForm(company=company)
    context["messages_card"] = company_threads_card(company) if context["can_serve"] else None
    return render(request, "company/detail.html", context)


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def edit(request, pk: int):
    company = access.obtain(request.user, access.CHANGE, Company.objects.all(), pk)
    form = CompanyProfileForm(request.POST or None, instance=company)
    if request.method == "POST" and form.is_valid():
        company.refresh_from_db()
        try:
            company_profile_update(actor=request.user, company=company, **form.profile())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The company profile is saved."))
            return redirect("company:detail", pk=company.pk)
    return render(request, "company/form.html", {"form": form, "company": company})


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def contact_add(request, pk: int):
    company = access.obtain(request.user, access.CHANGE, Company.objects.all(), pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            company_contact_add(actor=request.user, company=company, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The contact is added."))
            return redirect("company:detail", pk=company.pk)
    return render(request, "company/contact_form.html", {"form": form, "company": company})


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk: int):
    contact = access.obtain(request.user, access.CHANGE, Contact.objects.select_related("company"), pk)
    company = contact.company
    form = ContactEditForm(request.POST or None, instance=contact, actor=request.user)
    if request.method == "POST" and form.is_valid():
        contact.refresh_from_db()
        try:
            company_contact_update(actor=request.user, contact=contact, **form.contact_fields())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The contact is saved."))
            return redirect("company:detail", pk=company.pk)
    return render(
        request, "company/contact_form.html", {"form": form, "company": company, "contact": contact}
    )


def _active_period(request, pk: int):
    company = access.obtain(request.user, access.VIEW, Company.objects.all(), pk)
    period = company.service_periods.active().select_related("butler").first()
    if period is None:
        messages.error(
            request, _("%(company)s has no service period in progress.") % {"company": company.name}
        )
        return company, None
    return company, period


@role_required(roles.MANAGER)
@require_http_methods(["GET", "POST"])
def transfer(request, pk: int):
    company, period = _active_period(request, pk)
    if period is None:
        return redirect("company:detail", pk=company.pk)
    form = TransferForm(request.POST or None, current_butler=period.butler)
    if request.method == "POST" and form.is_valid():
        try:
            new_period = service_period_transfer(
                actor=request.user,
                period=period,
                to_butler=form.cleaned_data["to_butler"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(company)s is now served by %(butler)s; new card %(card)s.")
                % {
                    "company": company.name,
                    "butler": new_period.butler.display_name,
                    "card": new_period.card_number,
                },
            )
            return redirect("company:detail", pk=company.pk)
    return render(
        request, "company/period_transfer.html", {"form": form, "company": company, "period": period}
    )


@role_required(roles.MANAGER)
@require_http_methods(["GET", "POST"])
def end_early(request, pk: int):
    company, period = _active_period(request, pk)
    if period is None:
        return redirect("company:detail", pk=company.pk)
    form = EndEarlyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service_period_end_early(actor=request.user, period=period, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("The service period of %(company)s has ended.") % {"company": company.name}
            )
            return redirect("company:detail", pk=company.pk)
    return render(
        request, "company/period_end_early.html", {"form": form, "company": company, "period": period}
    )


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def status(request, pk: int):
    """The company stops for a while, resumes, closes down or is deregistered."""
    company = access.obtain(request.user, access.CHANGE, Company.objects.all(), pk)
    form = CompanyStatusForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            company_exit(actor=request.user, company=company, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            company.refresh_from_db()
            messages.success(
                request,
                _("%(company)s is now “%(status)s”.")
                % {"company": company.name, "status": company.get_status_display()},
            )
            return redirect("company:detail", pk=company.pk)
    return render(request, "company/status.html", {"form": form, "company": company})


@role_required(*STAFF)
def timeline(request, pk: int):
    """Everything that happened with a company, newest first, filterable by kind, older pages by cursor."""
    company = access.obtain(request.user, access.VIEW, Company.objects.all(), pk)
    kinds = [kind for kind in request.GET.getlist("kind") if kind in KINDS] or list(KINDS)
    before = None
    if request.GET.get("before"):
        try:
            before = datetime.fromisoformat(request.GET["before"])
        except ValueError:
            before = None
        if before is not None and before.tzinfo is None:
            before = None
    mine_only = access.own_contacts_only(request.user, company)
    events = company_timeline(
        company, kinds=kinds, before=before, limit=PAGE, recorded_by=request.user if mine_only else None
    )
    context = {
        "company": company,
        "events": events,
        "kinds": KINDS,
        "chosen": kinds,
        "older": events[-1].when.isoformat() if len(events) == PAGE else "",
    }
    return render(request, "company/timeline.html", context)


PAGE = 50


@role_required(roles.BUTLER, roles.MANAGER)
def period_summary(request, pk: int):
    """What the service period achieved and leaves open, with the handover note."""
    period = access.obtain(request.user, access.VIEW, PERIODS, pk)
    can_write = access.may_write_handover(request.user, period)
    form = HandoverForm(request.POST or None, initial={"note": period.handover_note})
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        if form.is_valid():
            handover_note_save(actor=request.user, period=period, note=form.cleaned_data["note"])
            messages.success(request, _("The handover note is saved."))
            return redirect("company:period_summary", pk=period.pk)
    context = {"summary": summary_of(period), "form": form, "can_write": can_write}
    return render(request, "company/period_summary.html", context)
