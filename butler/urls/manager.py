from django.urls import path

from butler.views import manager

app_name = "manager"
urlpatterns = [
    path("", manager.periods, name="periods"),
    path("companies/", manager.companies, name="companies"),
    path("licences/", manager.licences, name="licences"),
    path("workload/", manager.workload, name="workload"),
    path("reminders/", manager.deliveries, name="deliveries"),
    path("reminders/retry/", manager.deliveries_retry, name="deliveries_retry"),
]
