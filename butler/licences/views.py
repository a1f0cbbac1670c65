"""The company's licences: the checklist, each licence's steps and trips, subjects, the one-time notice."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from butler.fields import add_service_error
from butler.licences.changes import ChangeDecideForm, ChangeFileForm, ChangeForm, change_forms
from butler.licences.forms import (
    ApplicationForm,
    CancelNoticeForm,
    LicenceStepForm,
    PersonForm,
    TripForm,
    TripPermitForm,
    VehicleForm,
    VerifyForm,
    VesselForm,
)
from butler.licences.services import (
    application_add,
    cancel_notice_record,
    change_decide,
    change_open,
    change_withdraw,
    changes_file,
    commitment_check,
    company_subject_add,
    licence_step,
    trip_add,
    trip_permit_add,
    trip_undo,
)
from butler.security import roles
from butler.service import access
from butler.service.decorators import role_required
from companies import selectors as licence_selectors
from companies.lifecycle import STEP_ORDER
from companies.lifecycle import targets as next_statuses
from companies.models import Company, CompanyLicence, LicenceStatus

LICENCES = CompanyLicence.objects.select_related("company", "licence_type", "vehicle", "person", "vessel")

STAFF = (roles.BUTLER, roles.MANAGER)


@role_required(*STAFF)
def checklist(request, pk: int):
    company = access.obtain(request.user, access.VIEW, Company.objects.all(), pk)
    today = timezone.localdate()
    groups = licence_selectors.checklist(company, today=today)
    context = {
        "company": company,
        "groups": groups,
        "measures": licence_selectors.licence_measures(company.licences.all()),
        "risk": licence_selectors.lapse_risk(company, today=today),
        "can_serve": access.can_serve(request.user, company),
        "unconfirmed_years": licence_selectors.unconfirmed_years_of(groups),
        "trip_permit_form": TripPermitForm(),
        "today": today,
    }
    return render(request, "licences/checklist.html", context)


def _detail_context(
    request, licence, *, step_form=None, trip_form=None, verify_form=None, cancel_form=None, change_bound=None
) -> dict:
    can_serve = access.can_serve(request.user, licence.company)
    targets = sorted(next_statuses(licence), key=STEP_ORDER.index) if can_serve else []
    forms = []
    for target in targets:
        if step_form is not None and step_form.data.get("to") == target:
            forms.append(step_form)
        else:
            forms.append(LicenceStepForm(licence=licence, target=target))
    today = timezone.localdate()
    missing = licence_selectors.missing_of(licence)
    return {
        "licence": licence,
        "company": licence.company,
        "can_serve": can_serve,
        "step_forms": forms,
        "trip_form": trip_form or TripForm(),
        "verify_form": verify_form or VerifyForm(),
        "cancel_form": cancel_form or CancelNoticeForm(),
        "to_verify": licence_selectors.commitment_to_verify(licence),
        "trips": licence_selectors.trips_of(licence),
        "missing": missing,
        "missing_ids": {item.material.pk for item in missing},
        "notice": licence_selectors.notice_limit(licence),
        "materials": list(licence.licence_type.materials.all()),
        "urgency": licence_selectors.urgency(licence, today),
        "unconfirmed_years": licence_selectors.unconfirmed_years_of([licence]),
        "today": today,
        "on_site_since": today - timedelta(days=1),  # a visit is rated on the spot, that day or the next
        **(change_forms(licence, change_bound) if can_serve else {"changes": list(licence.changes.all())}),
    }


@role_required(*STAFF)
def detail(request, pk: int):
    licence = access.obtain(request.user, access.VIEW, LICENCES, pk)
    return render(request, "licences/detail.html", _detail_context(request, licence))


@role_required(*STAFF)
@require_POST
def step(request, pk: int):
    licence = access.obtain(request.user, access.CHANGE, LICENCES, pk)
    form = LicenceStepForm(request.POST, licence=licence)
    if form.is_valid():
        try:
            licence_step(actor=request.user, licence=licence, to=form.cleaned_data["to"], **form.details())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("The licence is now “%(status)s”.")
                % {"status": licence.__class__.objects.get(pk=licence.pk).get_status_display()},
            )
            return redirect("licences:detail", pk=licence.pk)
    return render(request, "licences/detail.html", _detail_context(request, licence, step_form=form))


@role_required(*STAFF)
@require_POST
def trip(request, pk: int):
    licence = access.obtain(request.user, access.CHANGE, LICENCES, pk)
    form = TripForm(request.POST)
    if form.is_valid():
        try:
            trip_add(
                actor=request.user,
                licence=licence,
                on=form.cleaned_data["on"],
                purpose=form.cleaned_data["purpose"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The visit is recorded."))
            return redirect("licences:detail", pk=licence.pk)
    return render(request, "licences/detail.html", _detail_context(request, licence, trip_form=form))


@role_required(*STAFF)
def notice(request, pk: int):
    """The one complete notice (一次性告知) of everything missing, ready to print, sign and hand over."""
    licence = access.obtain(request.user, access.VIEW, LICENCES.select_related("notice_given_by"), pk)
    missing = licence_selectors.missing_of(licence)
    if not missing:
        raise Http404
    return render(request, "licences/notice.html", licence_selectors.notice_context(licence, missing))


@role_required(*STAFF)
@require_POST
def verify(request, pk: int):
    """The later check of a commitment-based approval (告知承诺制)."""
    licence = access.obtain(request.user, access.CHANGE, LICENCES, pk)
    if not licence_selectors.commitment_to_verify(licence):
        raise Http404
    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            commitment_check(actor=request.user, licence=licence, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The check of the commitment is recorded."))
            return redirect("licences:detail", pk=licence.pk)
    return render(request, "licences/detail.html", _detail_context(request, licence, verify_form=form))


@role_required(*STAFF)
@require_POST
def cancel_notice(request, pk: int):
    """The authority's public notice that a lapsed licence will be cancelled (注销)."""
    licence = access.obtain(request.user, access.CHANGE, LICENCES, pk)
    if licence.status != LicenceStatus.EXPIRED:
        raise Http404
    form = CancelNoticeForm(request.POST)
    if form.is_valid():
        try:
            cancel_notice_record(actor=request.user, licence=licence, on=form.cleaned_data["on"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("The notice is recorded; everyone is reminded before the cancellation.")
            )
            return redirect("licences:detail", pk=licence.pk)
    return render(request, "licences/detail.html", _detail_context(request, licence, cancel_form=form))


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def file(request, pk: int):
    """Several licences filed together as one matter, by the company or by the butler for it."""
    company = access.obtain(request.user, access.CHANGE, Company.objects.all(), pk)
    initial = {"licences": request.GET.getlist("licence")}
    form = ApplicationForm(request.POST or None, company=company, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = application_add(
                actor=request.user,
                licences=data["licences"],
                on=data["on"],
                channel=data["channel"],
                result_by=data["result_by"],
                by_proxy=data["by_proxy"],
                authorisation=data["authorisation"],
                note=data["note"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("One matter filed: %(count)s licences accepted.") % {"count": application.licences.count()},
            )
            return redirect("licences:checklist", pk=company.pk)
    return render(request, "licences/file.html", {"form": form, "company": company})


@role_required(*STAFF)
@require_POST
def trip_delete(request, pk: int, trip: int):
    licence = access.obtain(request.user, access.CHANGE, LICENCES, pk)
    visit = get_object_or_404(licence_selectors.trips_of(licence), pk=trip)
    trip_undo(actor=request.user, trip=visit)
    messages.success(request, _("The visit is taken back."))
    return redirect("licences:detail", pk=licence.pk)


SUBJECT_FORMS = {"vehicle": VehicleForm, "person": PersonForm, "vessel": VesselForm}


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def subject_add(request, pk: int, kind: str):
    if kind not in SUBJECT_FORMS:
        raise Http404
    company = access.obtain(request.user, access.CHANGE, Company.objects.all(), pk)
    form = SUBJECT_FORMS[kind](request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            company_subject_add(actor=request.user, company=company, kind=kind, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Saved; the licence plan is brought up to date."))
            return redirect("licences:checklist", pk=company.pk)
    return render(request, "licences/subject_form.html", {"form": form, "company": company, "kind": kind})


@role_required(*STAFF)
@require_POST
def trip_permit(request, pk: int):
    company = access.obtain(request.user, access.CHANGE, Company.objects.all(), pk)
    form = TripPermitForm(request.POST)
    if form.is_valid():
        try:
            licence = trip_permit_add(
                actor=request.user,
                company=company,
                licence_type=form.cleaned_data["licence_type"],
                note=form.cleaned_data["note"],
                route_span=form.cleaned_data["route_span"],
                is_pass=form.cleaned_data["is_pass"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            return redirect("licences:detail", pk=licence.pk)
    else:
        messages.error(request, _("Choose a permit."))
    return redirect("licences:checklist", pk=company.pk)


def _change_render(request, licence, form):
    return render(request, "licences/detail.html", _detail_context(request, licence, change_bound=form))


@role_required(*STAFF)
@require_POST
def change_add(request, pk: int):
    licence = access.obtain(request.user, access.CHANGE, LICENCES, pk)
    form = ChangeForm(request.POST, licence=licence)
    if form.is_valid():
        data = form.cleaned_data
        try:
            change_open(
                actor=request.user,
                licence=licence,
                item=data["item"],
                after=data["after"],
                scopes=data.get("scopes"),
                on=data["on"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("The change is noted; the company and its butler are reminded to apply.")
            )
            return redirect("licences:detail", pk=licence.pk)
    return _change_render(request, licence, form)


@role_required(*STAFF)
@require_POST
def change_step(request, pk: int, change: int):
    licence = access.obtain(request.user, access.CHANGE, LICENCES, pk)
    change = get_object_or_404(licence.changes.all(), pk=change)
    change.licence = licence
    action = request.POST.get("action")
    try:
        if action == "withdraw":
            change_withdraw(actor=request.user, change=change)
            messages.success(request, _("The change is marked not needed."))
            return redirect("licences:detail", pk=licence.pk)
        form_class = ChangeFileForm if action == "file" else ChangeDecideForm
        form = form_class(request.POST, change=change)
        if form.is_valid():
            if action == "file":
                changes_file(actor=request.user, **form.cleaned_data)
                messages.success(request, _("The change is applied for."))
            else:
                change_decide(actor=request.user, change=change, **form.cleaned_data)
                messages.success(request, _("The decision is recorded."))
            return redirect("licences:detail", pk=licence.pk)
    except ValidationError as error:
        if action == "withdraw":
            messages.error(request, " ".join(error.messages))
            return redirect("licences:detail", pk=licence.pk)
        add_service_error(form, error)
    return _change_render(request, licence, form)
