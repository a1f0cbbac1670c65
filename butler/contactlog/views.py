"""The contact log on the company page (htmx), and closing a return visit."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from butler.company.selectors import company_page
from butler.contactlog import services as contacts
from butler.contactlog.forms import ContactRecordForm, EnquiryForm, HotlineImportForm, ReturnVisitForm
from butler.contactlog.hotline import COLUMNS as HOTLINE_COLUMNS
from butler.contactlog.hotline import hotline_import
from butler.contactlog.selectors import contact_log, contact_record_for, enquiry_desk
from butler.fields import add_service_error
from butler.security import roles
from butler.service import access
from butler.service.decorators import role_required
from companies.models import Company

STAFF = (roles.BUTLER, roles.MANAGER)


@role_required(*STAFF)
@require_POST
def add(request, pk: int):
    """Record a contact: the card comes back (htmx) with the new entry, or with the errors and the text."""
    company = access.obtain(request.user, access.CHANGE, Company.objects.all(), pk)
    form = ContactRecordForm(request.POST, company=company)
    if form.is_valid():
        try:
            contacts.contact_record(actor=request.user, company=company, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if not request.htmx:
                messages.success(request, _("The contact is recorded."))
                return redirect("company:detail", pk=company.pk)
            form = ContactRecordForm(company=company)
    context = {
        "company": company,
        "can_serve": True,
        "log": contact_log(company),
        "log_form": form,
    }
    if request.htmx:
        return render(request, "contactlog/partials/_contact_log.html", context)
    page = company_page(company) | context
    return render(request, "company/detail.html", page, status=200)


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def return_visit(request, pk: int):
    record = contact_record_for(request.user, pk, access.CHANGE)
    company = record.company
    if not record.return_visit_open:
        raise Http404
    form = ReturnVisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contacts.return_visit_complete(
                actor=request.user, record=record, outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The return visit is recorded."))
            if request.POST.get("next") == "today":
                return redirect("portfolio:today")
            if company is None or request.POST.get("next") == "enquiries":
                return redirect("contactlog:enquiries")
            return redirect("company:detail", pk=company.pk)
    return render(
        request, "contactlog/return_visit.html", {"form": form, "record": record, "company": company}
    )


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def quick(request, pk: int):
    """The two-field entry in a portfolio row: the form, then a line saying it is recorded."""
    company = access.obtain(request.user, access.CHANGE, Company.objects.all(), pk)
    form = ContactRecordForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            record = contacts.contact_record(actor=request.user, company=company, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return render(
                request, "contactlog/partials/_contact_quick.html", {"company": company, "record": record}
            )
    return render(request, "contactlog/partials/_contact_quick.html", {"company": company, "form": form})


def _desk(request, *, form=None, upload=None, import_errors=None, status=200):
    waiting, latest = enquiry_desk(request.user)
    context = {
        "form": form or EnquiryForm(initial={"channel": "phone"}),
        "upload": upload or HotlineImportForm(),
        "import_errors": import_errors or [],
        "columns": HOTLINE_COLUMNS,
        "waiting": waiting,
        "latest": latest,
        "today": timezone.localdate(),
    }
    return render(request, "contactlog/enquiries.html", context, status=status)


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def enquiries(request):
    """The consultation desk: record a walk-in or a call from someone whose company is not registered yet,
    see the answers still owed (12345 work orders among them) and the latest consultations."""
    if request.method != "POST":
        return _desk(request)
    form = EnquiryForm(request.POST)
    if form.is_valid():
        try:
            record = contacts.enquiry_record(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if record.company_id:
                messages.success(
                    request,
                    _("The consultation is recorded in the contact log of %(company)s.")
                    % {"company": record.company},
                )
            else:
                messages.success(request, _("The consultation is recorded."))
            return redirect("contactlog:enquiries")
    return _desk(request, form=form)


@role_required(*STAFF)
@require_POST
def hotline(request):
    """Import the work orders the 12345 hotline exported: all rows or none, each problem named."""
    upload = HotlineImportForm(request.POST, request.FILES)
    if not upload.is_valid():
        return _desk(request, upload=upload)
    try:
        result = hotline_import(actor=request.user, uploaded=upload.cleaned_data["file"])
    except ValidationError as error:
        upload.add_error("file", error)
        return _desk(request, upload=upload)
    if result.errors:
        return _desk(request, upload=upload, import_errors=result.errors)
    messages.success(
        request,
        _("%(created)s work orders imported; %(already)s were imported before and are left as they are.")
        % {"created": result.created, "already": result.already},
    )
    return redirect("contactlog:enquiries")
