from django.urls import path

from butler.company import imports
from butler.company import views as companies

app_name = "company"
urlpatterns = [
    path("periods/<int:pk>/summary/", companies.period_summary, name="period_summary"),
    path("<int:pk>/", companies.detail, name="detail"),
    path("<int:pk>/edit/", companies.edit, name="edit"),
    path("<int:pk>/timeline/", companies.timeline, name="timeline"),
    path("<int:pk>/contacts/add/", companies.contact_add, name="contact_add"),
    path("contacts/<int:pk>/edit/", companies.contact_edit, name="contact_edit"),
    path("<int:pk>/transfer/", companies.transfer, name="transfer"),
    path("<int:pk>/end-early/", companies.end_early, name="end_early"),
    path("<int:pk>/status/", companies.status, name="status"),
    path("<int:pk>/import/<str:kind>/", imports.import_subjects, name="import_subjects"),
]
