"""The company portal: made for a phone first."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from butler.feedback.ratings import rateable_for
from butler.fields import add_service_error
from butler.fleet.selectors import fleet_month
from butler.fleet.views import fleet_download
from butler.messaging.selectors import COMPANY, unread_count
from butler.portal.forms import InvitationAcceptForm, ReminderChoiceForm
from butler.portal.selectors import next_steps, portal_home, portal_licences
from butler.portal.services import reminder_choice_set
from butler.security import limits, roles
from butler.service.decorators import role_required
from butler.service.invitations import invitation_accept, invitation_by_token
from companies import selectors as licence_selectors
from companies.phones import tel_uri
from reminders.selectors import notices_for


@role_required(roles.COMPANY)
def home(request):
    contact = getattr(request.user, "contact", None)
    if contact is None:
        raise PermissionDenied
    context = {"contact": contact, **portal_home(contact)}
    context["unread_messages"] = unread_count(contact.company, side=COMPANY)
    context["to_rate"] = rateable_for(contact, periods=context["periods"]).count
    context["next_steps"] = next_steps(
        contact.company, today=timezone.localdate(), to_rate=context["to_rate"]
    )
    if context["period"] is not None:
        butler = context["period"].butler
        context["office_tel"] = tel_uri(butler.office_phone)
        context["mobile_tel"] = tel_uri(butler.mobile) if butler.mobile else ""
    return render(request, "portal/home.html", context)


@require_http_methods(["GET", "POST"])
def invitation(request, token: str):
    found = invitation_by_token(token)
    if found is None or not found.is_usable() or found.contact.user_id:
        return render(request, "portal/invitation_invalid.html", {"invitation": found}, status=410)
    form = InvitationAcceptForm(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        refusal = limits.activation_attempt(request, token=token)
        if refusal is not None:
            form.add_error(None, refusal.message)
        else:
            try:
                user = invitation_accept(
                    raw_token=token,
                    mobile=form.cleaned_data["mobile"],
                    password=form.cleaned_data["password1"],
                    language=translation.get_language(),
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request,
                    _("Your account is ready. From now on, sign in with your mobile number and password."),
                )
                return redirect("portal:home")
    context = {"form": form, "invitation": found, "invitation_days": settings.BUTLER_INVITATION_DAYS}
    return limits.refused(render(request, "portal/invitation.html", context), refusal)


@role_required(roles.COMPANY)
def licences(request):
    """The company's checklist in plain words: done, missing, due when, and what the window promised."""
    contact = getattr(request.user, "contact", None)
    if contact is None:
        raise PermissionDenied
    attention, groups = portal_licences(contact.company, today=timezone.localdate())
    context = {
        "contact": contact,
        "company": contact.company,
        "attention": attention,
        "groups": groups,
        "notices": notices_for(request.user).filter(read_at__isnull=True)[:5],
    }
    return render(request, "portal/licences.html", context)


@role_required(roles.COMPANY)
def fleet(request):
    """The fleet's month on a phone: which plates and drivers need what, by when — nothing that is fine."""
    contact = getattr(request.user, "contact", None)
    if contact is None:
        raise PermissionDenied
    subjects, undated = fleet_month(contact.company, today=timezone.localdate())
    return render(
        request,
        "portal/fleet.html",
        {"contact": contact, "company": contact.company, "subjects": subjects, "undated": undated},
    )


@role_required(roles.COMPANY)
def fleet_export(request):
    """The company's own fleet calendar, every date, as a spreadsheet to keep."""
    contact = getattr(request.user, "contact", None)
    if contact is None:
        raise PermissionDenied
    return fleet_download(request, contact.company)


@role_required(roles.COMPANY)
def notice(request, pk: int):
    """The one complete notice of what the window asks this company for, as the butler printed it."""
    contact = getattr(request.user, "contact", None)
    if contact is None:
        raise PermissionDenied
    licence = get_object_or_404(
        contact.company.licences.select_related("licence_type", "company", "notice_given_by"), pk=pk
    )
    missing = licence_selectors.missing_of(licence)
    if not missing:
        raise Http404
    return render(request, "portal/notice.html", licence_selectors.notice_context(licence, missing))


@role_required(roles.COMPANY)
@require_http_methods(["GET", "POST"])
def reminders(request):
    """How reminders reach me: statutory deadlines always; the rest by e-mail, SMS or the portal only."""
    contact = getattr(request.user, "contact", None)
    if contact is None:
        raise PermissionDenied
    form = ReminderChoiceForm(request.POST or None, initial={"channel": contact.reminder_channel})
    if request.method == "POST" and form.is_valid():
        try:
            reminder_choice_set(actor=request.user, contact=contact, channel=form.cleaned_data["channel"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Saved. Reminders of statutory deadlines keep coming as before."))
            return redirect("portal:reminders")
    return render(request, "portal/reminders.html", {"form": form, "contact": contact})
