"""Rating a visit on the spot: the butler's QR code for the counter, and the page whoever came rates it on."""

import segno
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from butler.feedback.forms import RatingForm
from butler.feedback.models import Stars
from butler.feedback.on_site import rating_on_site, trip_from_token, visit_rated, visit_token
from butler.fields import add_service_error
from butler.security import roles
from butler.service import access
from butler.service.decorators import role_required
from companies.models import CompanyLicence, Trip

TRIPS = Trip.objects.select_related("licence__company", "licence__licence_type")


@role_required(roles.BUTLER, roles.MANAGER)
def visit_qr(request, pk: int):
    """The code to show at the counter (or the page to hand over on a tablet) for this visit."""
    visible = access.restrict(request.user, access.VIEW, CompanyLicence.objects.all())
    trip = get_object_or_404(TRIPS.filter(licence__in=visible), pk=pk)
    access.obtain(request.user, access.CHANGE, CompanyLicence.objects.all(), trip.licence_id)
    url = request.build_absolute_uri(reverse("feedback:rate_visit", args=[visit_token(trip)]))
    svg = mark_safe(  # noqa: S308 - segno writes the SVG itself from the URL's modules
        segno.make(url, error="m").svg_inline(scale=6, border=2, dark="#0b2545", omitsize=True)
    )
    context = {"trip": trip, "licence": trip.licence, "url": url, "qr": svg, "rated": visit_rated(trip)}
    return render(request, "feedback/visit_qr.html", context)


@login_not_required
@require_http_methods(["GET", "POST"])
def rate_visit(request, token: str):
    """Whoever came rates the visit, without signing in, once."""
    trip = trip_from_token(token)
    if trip is None:
        return render(request, "feedback/rate_visit.html", {"invalid": True}, status=404)
    context = {"trip": trip}
    if visit_rated(trip):
        return render(request, "feedback/rate_visit.html", context | {"done": True})
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rating_on_site(trip=trip, overall=data["overall"], tags=data["tags"], comment=data["comment"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return render(request, "feedback/rate_visit.html", context | {"done": True, "thanked": True})
    context |= {
        "form": form,
        "tag_groups": form.tag_groups(),
        "chosen_tags": form.chosen_tags(),
        "stars": list(Stars.choices),
    }
    return render(request, "feedback/rate_visit.html", context)
