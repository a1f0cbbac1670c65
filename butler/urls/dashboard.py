from django.urls import path

from butler.views import dashboard

app_name = "dashboard"
urlpatterns = [
    path("", dashboard.index, name="index"),
    path("figures.<str:fmt>", dashboard.export, name="export"),
    path("<str:figure>/", dashboard.drill, name="drill"),
]
