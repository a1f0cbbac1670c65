from django.urls import path, re_path

from butler.calendars import views as calendars

app_name = "calendars"
urlpatterns = [
    path("portal/", calendars.portal, name="portal"),
    path("mine/", calendars.mine, name="mine"),
    path("<int:pk>/revoke/", calendars.revoke, name="revoke"),
    # What calendar apps read, without signing in: the token is the key (secrets.token_urlsafe(32)).
    re_path(r"^feed/(?P<token>[A-Za-z0-9_-]{20,100})\.ics$", calendars.feed, name="feed"),
]
