from django.urls import path

from butler.portal import views as portal

app_name = "portal"
urlpatterns = [
    path("", portal.home, name="home"),
    path("licences/", portal.licences, name="licences"),
    path("licences/<int:pk>/notice/", portal.notice, name="notice"),
    path("fleet/", portal.fleet, name="fleet"),
    path("fleet/export/", portal.fleet_export, name="fleet_export"),
    path("reminders/", portal.reminders, name="reminders"),
    path("invitation/<str:token>/", portal.invitation, name="invitation"),
]
