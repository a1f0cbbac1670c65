from django.urls import path

from butler.notices import views as notices

app_name = "notices"
urlpatterns = [
    path("", notices.index, name="index"),
    path("<int:pk>/", notices.open_notice, name="open"),
    path("read-all/", notices.read_all, name="read_all"),
]
