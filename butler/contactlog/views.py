"""The contact log on the company page (htmx), and closing a return visit."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from butler.company.selectors import company_page
from butler.contactlog import services as contacts
from butler.contactlog.forms import ContactRecordForm, ReturnVisitForm
from butler.contactlog.models import ContactRecord
from butler.contactlog.selectors import contact_log
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
    record = access.obtain(request.user, access.CHANGE, ContactRecord.objects.select_related("company"), pk)
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
