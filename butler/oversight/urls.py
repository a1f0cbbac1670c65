"""The manager's pages: lists, the dashboard and its drill-downs, exports and the look-back."""

from django.urls import path

from butler.oversight import dashboard_views, export_views, lists, report_views

app_name = "oversight"
urlpatterns = [
    path("manager/", lists.periods, name="periods"),
    path("manager/companies/", lists.companies, name="companies"),
    path("manager/licences/", lists.licences, name="licences"),
    path("manager/workload/", lists.workload, name="workload"),
    path("manager/reminders/", lists.deliveries, name="deliveries"),
    path("manager/reminders/retry/", lists.deliveries_retry, name="deliveries_retry"),
    path("manager/dashboard/", dashboard_views.index, name="dashboard"),
    path("manager/dashboard/figures.<str:fmt>", dashboard_views.export, name="dashboard_export"),
    path("manager/dashboard/limits/", report_views.limits, name="limits"),
    path("manager/dashboard/<str:figure>/", dashboard_views.drill, name="drill"),
    path("manager/report/", report_views.year, name="year_report"),
    path("manager/report/year.<str:fmt>", report_views.year_export, name="year_report_export"),
    path("manager/exports/", export_views.index, name="exports"),
    path("manager/exports/look-back/", export_views.lookback, name="lookback"),
    path("manager/exports/<str:table>.<str:fmt>", export_views.table, name="export"),
]
