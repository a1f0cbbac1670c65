"""``/api/v1/``: the endpoints, the OpenAPI schema and its docs page."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from butler.api import views
from butler.api.docs import DOCS, staff_only

app_name = "api"

router = SimpleRouter(trailing_slash=True)
router.register("companies", views.CompanyViewSet, basename="company")
router.register("periods", views.PeriodViewSet, basename="period")
router.register("licences", views.LicenceViewSet, basename="licence")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("reminders", views.ReminderViewSet, basename="reminder")

urlpatterns = [
    path("", include(router.urls)),
    path("figures/", views.FiguresView.as_view(), name="figures"),
    path("events/", views.EventView.as_view(), name="events"),
    path("registrations/", views.RegistrationsView.as_view(), name="registrations"),
    path("schema/", SpectacularAPIView.as_view(**DOCS), name="schema"),
    path(
        "docs/",
        staff_only(SpectacularSwaggerSplitView.as_view(url_name="api:schema", **DOCS)),
        name="docs",
    ),
    re_path(r"", views.NotFoundView.as_view()),
]
