"""Messages between a company and its butler: the portal's side (phone first) and the window's side.

Every thread and file is loaded through ``messaging``'s scoped selectors: 404 for whatever the user may
not read. Opening a thread marks it read for the reader's side.
"""

from csp.decorators import csp_exempt
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from butler.fields import add_service_error
from butler.messaging.forms import MessageForm, ThreadStartForm
from butler.messaging.selectors import (
    COMPANY,
    WINDOW,
    attachment_for,
    current_butler,
    side_of,
    thread_for,
    thread_page,
    threads_of_company,
)
from butler.messaging.services import message_send, thread_read, thread_start
from butler.security import limits, roles
from butler.service import access
from butler.service.decorators import role_required
from companies.models import Company
from companies.phones import tel_uri

STAFF = (roles.BUTLER, roles.MANAGER)


def _contact(request):
    contact = getattr(request.user, "contact", None)
    if contact is None:
        raise PermissionDenied
    return contact


def _butler_context(company) -> dict:
    """The butler in service with one-tap call links, for the portal's pages."""
    butler = current_butler(company)
    if butler is None:
        return {"butler": None}
    return {
        "butler": butler,
        "office_tel": tel_uri(butler.office_phone),
        "mobile_tel": tel_uri(butler.mobile) if butler.mobile else "",
    }


def _files(request) -> list:
    return request.FILES.getlist("files")


# --- the portal -----------------------------------------------------------------------------------------


@role_required(roles.COMPANY)
@require_GET
def portal_list(request):
    contact = _contact(request)
    context = {
        "contact": contact,
        "company": contact.company,
        "threads": threads_of_company(contact.company, side=COMPANY),
        **_butler_context(contact.company),
    }
    return render(request, "portal/messages.html", context)


@role_required(roles.COMPANY)
@require_http_methods(["GET", "POST"])
def portal_new(request):
    contact = _contact(request)
    form = ThreadStartForm(request.POST or None, request.FILES or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        refusal = limits.message_attempt(request)
        if refusal is not None:
            form.add_error(None, refusal.message)
        else:
            try:
                thread = thread_start(
                    actor=request.user,
                    company=contact.company,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    files=_files(request),
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                return redirect("messaging:portal_thread", pk=thread.pk)
    context = {"form": form, "company": contact.company, **_butler_context(contact.company)}
    return limits.refused(render(request, "portal/message_new.html", context), refusal)


@role_required(roles.COMPANY)
@require_http_methods(["GET", "POST"])
def portal_thread(request, pk: int):
    _contact(request)
    thread = thread_for(request.user, pk)
    form, response, refusal = _reply(request, thread, "messaging:portal_thread", limited=True)
    if response is not None:
        return response
    context = {
        "page": thread_page(thread, side=COMPANY),
        "form": form,
        **_butler_context(thread.company),
    }
    return limits.refused(render(request, "portal/message_thread.html", context), refusal)


# --- the window -----------------------------------------------------------------------------------------


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def new(request, pk: int):
    """The butler or the manager writes to the company first."""
    company = access.obtain(request.user, access.VIEW, Company.objects.all(), pk)
    if side_of(request.user, company) != WINDOW:
        raise PermissionDenied
    form = ThreadStartForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            thread = thread_start(
                actor=request.user,
                company=company,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                files=_files(request),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect("messaging:thread", pk=thread.pk)
    return render(request, "messaging/new.html", {"form": form, "company": company})


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def thread(request, pk: int):
    thread = thread_for(request.user, pk)
    form, response, _refusal = _reply(request, thread, "messaging:thread")
    if response is not None:
        return response
    context = {
        "page": thread_page(thread, side=WINDOW),
        "company": thread.company,
        "form": form,
    }
    return render(request, "messaging/thread.html", context)


def _reply(request, thread, url_name: str, *, limited: bool = False):
    """Bind and send the reply form; on GET the reader's side has now read the thread.

    Returns the form, the redirect once sent, and the refusal when ``limited`` and over the abuse limit.
    """
    if request.method != "POST":
        thread_read(actor=request.user, thread=thread)
        return MessageForm(), None, None
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        refusal = limits.message_attempt(request) if limited else None
        if refusal is not None:
            form.add_error(None, refusal.message)
            return form, None, refusal
        try:
            message_send(
                actor=request.user, thread=thread, body=form.cleaned_data["body"], files=_files(request)
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return form, redirect(url_name, pk=thread.pk), None
    return form, None, None


# --- files ----------------------------------------------------------------------------------------------


@csp_exempt(REPORT_ONLY=True)
@csp_exempt()
@require_GET
def attachment(request, pk: int):
    """A file of a message, to those who may read the thread; 404 to everyone else, anonymous included.

    A PDF, JPG or PNG, never a page: it goes without the Content Security Policy, which would stop Chrome's
    own PDF viewer (its object-src and its inline styles); framing stays refused by X-Frame-Options.
    """
    found = attachment_for(request.user, pk)
    try:
        handle = found.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=found.content_type, as_attachment=False, filename=found.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
