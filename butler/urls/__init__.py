"""The project's URLs: one namespace per area of the product."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from butler.health.views import healthz
from butler.security.forms import SignInForm
from butler.security.language import set_language
from butler.security.views import PasswordResetView
from butler.service.home import home

# A database outage outside a view answers 503 with its own page; anything else the plain 500 page.
handler500 = "butler.health.outage.server_error"

urlpatterns = [
    path("", home, name="home"),
    # Health: the checks behind load balancers and monitors, open to everyone (butler/health.py).
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    # The password reset, held to the abuse limits (butler/security/limits.py); the rest of the accounts are
    # Django's.
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    # The language switcher, which keeps a signed-in person's choice (butler/security/language.py).
    path("i18n/setlang/", set_language, name="set_language"),
    path("first-visit/", include("butler.firstvisit.urls")),
    path("portfolio/", include("butler.portfolio.urls")),
    path("companies/", include("butler.company.urls")),
    path("periods/", include("butler.service.urls")),
    path("licences/", include("butler.licences.urls")),
    path("fleet/", include("butler.fleet.urls")),
    path("portal/", include("butler.portal.urls")),
    path("notices/", include("butler.notices.urls")),
    path("calendars/", include("butler.calendars.urls")),
    path("messages/", include("butler.messaging.urls")),
    path("contacts/", include("butler.contactlog.urls")),
    path("", include("butler.feedback.urls")),
    path("", include("butler.oversight.urls")),
    # The API for the systems around the window (butler/api/).
    path("api/v1/", include("butler.api.urls")),
    path("admin/", admin.site.urls),
]
