from django.urls import path

from butler.fleet import views as fleet

app_name = "fleet"
urlpatterns = [
    path("company/<int:pk>/", fleet.calendar, name="calendar"),
    path("company/<int:pk>/export/", fleet.export, name="export"),
    path("obligation/<int:pk>/", fleet.obligation, name="obligation"),
    path("vehicle/<int:pk>/retire/", fleet.retire, name="retire"),
]
