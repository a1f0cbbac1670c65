"""The calendar page (a company contact's on the portal, a butler's or a manager's among their pages) and the
feed that phone calendars read.

A new address is shown once, on the answer to the button that made it (never stored, never cached); after
that the page says only whether an address is live and when a calendar last read it.
"""

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from butler.calendars.forms import FeedMakeForm
from butler.calendars.ics import calendar_ics, uid_domain
from butler.calendars.selectors import (
    calendar_of,
    company_calendar,
    company_of,
    feed_by_token,
    feeds_managed_by,
    live_feed_of,
    staff_calendar,
)
from butler.calendars.services import calendar_feed_make, calendar_feed_read, calendar_feed_revoke
from butler.security import roles
from butler.service.decorators import role_required
from reminders.people import language_of


def _base_url(request) -> str:
    """Where links point: the product's public address, else the host the request came to."""
    return settings.BUTLER_PUBLIC_URL or request.build_absolute_uri("/").rstrip("/")


def _qr_svg(url: str) -> str:
    return mark_safe(  # noqa: S308 - segno writes the SVG itself from the URL's modules
        segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#0b2545", omitsize=True)
    )


def _addresses(request, token: str) -> dict:
    https = _base_url(request) + reverse("calendars:feed", args=[token])
    webcal = "webcal://" + https.split("://", 1)[1]
    return {"url": https, "webcal": webcal, "qr_svg": _qr_svg(webcal)}


def _page(request, template: str, content):
    """The page for the signed-in person's own feed: GET shows it; POST makes a new address."""
    form = FeedMakeForm(request.POST or None)
    made = None
    if request.method == "POST":
        if form.is_valid():
            _feed, token = calendar_feed_make(actor=request.user)
            made = _addresses(request, token)
        else:
            messages.error(request, _("Nothing was changed: use the button to make an address."))
    today = timezone.localdate()
    upcoming, overdue = content.upcoming(today), content.overdue(today)
    context = {
        "feed": live_feed_of(request.user),
        "made": made,
        "calendar": content,
        "upcoming": upcoming,
        "later": len(content.events) - overdue - len(upcoming),
        "overdue": overdue,
        "today": today,
    }
    return render(request, template, context)


@role_required(roles.COMPANY)
@never_cache
@require_http_methods(["GET", "POST"])
def portal(request):
    """A company contact's calendar: their company's deadlines on their phone."""
    company = company_of(request.user)
    if company is None:
        raise PermissionDenied
    return _page(request, "calendars/feed_portal.html", company_calendar(company))


@role_required(roles.BUTLER, roles.MANAGER)
@never_cache
@require_http_methods(["GET", "POST"])
def mine(request):
    """A butler's or a manager's calendar: their tasks on their phone."""
    return _page(request, "calendars/feed_staff.html", staff_calendar(request.user))


@role_required(roles.COMPANY, roles.BUTLER, roles.MANAGER)
@require_POST
def revoke(request, pk: int):
    """Stop one's own live address (anyone else's: 404)."""
    feed = feeds_managed_by(request.user).live().filter(pk=pk).first()
    if feed is None:
        raise Http404
    calendar_feed_revoke(actor=request.user, feed=feed)
    messages.success(request, _("The address no longer works. Calendars subscribed to it stop updating."))
    return redirect("calendars:portal" if feed.company_id else "calendars:mine")


@require_safe
def feed(request, token: str):
    """The feed itself, for calendar apps: no sign-in, 404 for a token unknown or revoked."""
    found = feed_by_token(token)
    if found is None:
        raise Http404
    calendar_feed_read(feed=found)
    language = language_of(found.owner)
    with translation.override(language):
        body = calendar_ics(
            calendar_of(found),
            base_url=_base_url(request),
            uid_host=uid_domain(settings.BUTLER_PUBLIC_URL),
            now=timezone.now(),
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["Content-Language"] = language  # the owner's, whoever's browser asks
    response["X-Robots-Tag"] = "noindex"
    patch_cache_control(response, private=True)
    return response
