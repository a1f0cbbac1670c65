"""Feedback: the company rates and suggests on the portal (phone first); its butler records a suggestion
heard in person.

What may be rated, and the saving, are ``butler.feedback.ratings``'s; a company sees its own ratings and
suggestions with where they stand in plain words, never the window's findings.
"""

from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from butler.feedback import ratings
from butler.feedback.forms import DIMENSIONS, RatingForm, RecordedSuggestionForm, SuggestionForm
from butler.feedback.models import BAD_STARS, AuditCase, Rating, Stars
from butler.feedback.selectors import ratings_visible_to, suggestions_visible_to
from butler.fields import add_service_error
from butler.security import roles
from butler.service import access
from butler.service.decorators import role_required
from companies.models import Company

STAFF = (roles.BUTLER, roles.MANAGER)
Step = AuditCase.Step


def _contact(request):
    contact = getattr(request.user, "contact", None)
    if contact is None:
        raise PermissionDenied
    return contact


# --- where feedback stands, in the company's words -----------------------------------------------------

RECEIVED = "received"
CHECKING = "checking"
PUTTING_RIGHT = "putting_right"
CLOSED = "closed"
PROGRESS_LABELS = {
    RECEIVED: gettext_lazy("Received"),
    CHECKING: gettext_lazy("Being checked"),
    PUTTING_RIGHT: gettext_lazy("Being put right"),
    CLOSED: gettext_lazy("Answered and closed"),
}


def progress_of(case: AuditCase | None) -> str:
    """Where the window's handling stands, as the company may see it: no findings, no internal steps."""
    if case is None:
        return ""
    if case.step == Step.VERIFY:
        return RECEIVED
    if case.step == Step.CLASSIFY:
        return CHECKING
    if case.step == Step.RECTIFY:
        return PUTTING_RIGHT
    if case.step == Step.CLOSED:
        return CLOSED
    return PUTTING_RIGHT if case.rectified_at else CHECKING  # return visit, or about to be closed


@dataclass
class Progress:
    code: str

    @property
    def label(self) -> str:
        return str(PROGRESS_LABELS[self.code])


def _with_progress(items: list) -> list:
    for item in items:
        code = progress_of(getattr(item, "case", None))
        item.progress = Progress(code) if code else None
    return items


# --- the portal -------------------------------------------------------------------------------------------


@role_required(roles.COMPANY)
@require_GET
def portal(request):
    """My feedback: what waits for my rating, what I rated, and my suggestions with where they stand."""
    contact = _contact(request)
    my_ratings = (
        ratings_visible_to(request.user)
        .filter(contact=contact)
        .select_related("licence__licence_type", "period", "butler", "case")
    )
    my_suggestions = (
        suggestions_visible_to(request.user).filter(contact=contact).select_related("licence_type", "case")
    )
    context = {
        "contact": contact,
        "company": contact.company,
        "rateable": ratings.rateable_for(contact),
        "ratings": _with_progress(list(my_ratings)),
        "suggestions": _with_progress(list(my_suggestions)),
    }
    return render(request, "portal/feedback.html", context)


@role_required(roles.COMPANY)
@require_http_methods(["GET", "POST"])
def rate(request, kind: str, pk: int):
    """Rate a licence just issued, a service period that ended, or the butler: once, never changed."""
    contact = _contact(request)
    target = ratings.rating_target(contact, kind, pk)
    context = {
        "contact": contact,
        "target": target,
        "company": contact.company,
        "rating_window_days": settings.BUTLER_RATING_WINDOW_DAYS,
    }
    if target.rated is not None or not target.rateable:
        if request.method == "POST":
            messages.error(request, _("Nothing was saved: this cannot be rated now."))
        return render(request, "portal/rate.html", context)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rating = ratings.rating_submit(
                actor=request.user,
                kind=kind,
                licence=target.licence,
                period=target.period,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if rating.overall in BAD_STARS:
                messages.warning(
                    request,
                    _(
                        "Thank you for telling us. We are sorry it did not go well: the head of the window "
                        "will call you back within one working day."
                    ),
                )
            else:
                messages.success(request, _("Thank you for your rating."))
            return redirect("feedback:portal")
    context |= _form_context(form)
    return render(request, "portal/rate.html", context)


def _form_context(form: RatingForm) -> dict:
    return {
        "form": form,
        "tag_groups": form.tag_groups(),
        "chosen_tags": form.chosen_tags(),
        "stars": [(value, label) for value, label in Stars.choices],
        "dimensions": [form[name] for name, _label in DIMENSIONS],
        "dimensions_open": any(form[name].value() or form[name].errors for name, _label in DIMENSIONS),
    }


@role_required(roles.COMPANY)
@require_http_methods(["GET", "POST"])
def rate_again(request, pk: int):
    """The rater's one re-rating (追评), on the same five levels: the one that counts."""
    contact = _contact(request)
    first = get_object_or_404(
        Rating.objects.select_related("licence__licence_type", "period__butler", "case"),
        pk=pk,
        contact=contact,
    )
    target = SimpleNamespace(
        kind=first.kind, licence=first.licence, period=first.period, rated=None, rateable=True
    )
    context = {
        "contact": contact,
        "company": contact.company,
        "target": target,
        "again": first,
        "follow_up_days": settings.BUTLER_FOLLOW_UP_DAYS,
    }
    if not ratings.follow_up_open(first, contact):
        context["target"].rateable = False
        if request.method == "POST":
            messages.error(request, _("Nothing was saved: this cannot be rated again now."))
        return render(request, "portal/rate_again_closed.html", context)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ratings.rating_follow_up(
                actor=request.user,
                rating=first,
                overall=data["overall"],
                comment=data["comment"],
                tags=data["tags"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Thank you: your new rating is the one that counts."))
            return redirect("feedback:portal")
    context |= _form_context(form) | {"again_until": ratings.follow_up_until(first)}
    return render(request, "portal/rate.html", context)


@role_required(roles.COMPANY)
@require_http_methods(["GET", "POST"])
def suggest(request):
    """A suggestion for the window: every one is read, checked and answered."""
    contact = _contact(request)
    form = SuggestionForm(request.POST or None, company=contact.company)
    if request.method == "POST" and form.is_valid():
        try:
            ratings.suggestion_submit(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("Thank you. Your suggestion is received; the window will look into it and answer.")
            )
            return redirect("feedback:portal")
    return render(request, "portal/suggest.html", {"form": form, "contact": contact})


# --- the window's side ------------------------------------------------------------------------------------


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def record_suggestion(request, pk: int):
    """The butler serving the company (or a manager) records a suggestion heard in person."""
    company = access.obtain(request.user, access.CHANGE, Company.objects.all(), pk)
    form = RecordedSuggestionForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            ratings.suggestion_submit(actor=request.user, company=company, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The suggestion is recorded; an audit case is open for it."))
            return redirect("company:detail", pk=company.pk)
    return render(request, "feedback/suggestion_form.html", {"form": form, "company": company})
