"""The project's URLs: one namespace per area of the product."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from butler.forms import SignInForm
from butler.views.accounts import PasswordResetView
from butler.views.health import healthz
from butler.views.home import home

# A database outage outside a view answers 503 with its own page; anything else the plain 500 page.
handler500 = "butler.outage.server_error"

urlpatterns = [
    path("", home, name="home"),
    # Health: the checks behind load balancers and monitors, open to everyone (butler/health.py).
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    # The password reset, held to the abuse limits (butler/limits.py); the rest of the accounts are Django's.
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("first-visit/", include("butler.urls.first_visit")),
    path("portfolio/", include("butler.urls.portfolio")),
    path("companies/", include("butler.urls.companies")),
    path("periods/", include("butler.urls.periods")),
    path("licences/", include("butler.urls.licences")),
    path("manager/", include("butler.urls.manager")),
    path("portal/", include("butler.urls.portal")),
    path("notices/", include("butler.urls.notices")),
    path("messages/", include("butler.urls.messages")),
    path("contacts/", include("butler.urls.log")),
    path("feedback/", include("butler.urls.feedback")),
    path("audit/", include("butler.urls.audit")),
    path("manager/dashboard/", include("butler.urls.dashboard")),
    path("manager/exports/", include("butler.urls.exports")),
    path("admin/", admin.site.urls),
]
