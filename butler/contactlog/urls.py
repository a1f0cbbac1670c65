from django.urls import path

from butler.contactlog import views as contacts

app_name = "contactlog"
urlpatterns = [
    path("company/<int:pk>/add/", contacts.add, name="add"),
    path("company/<int:pk>/quick/", contacts.quick, name="quick"),
    path("<int:pk>/return-visit/", contacts.return_visit, name="return_visit"),
    path("consultations/", contacts.enquiries, name="enquiries"),
    path("consultations/hotline/", contacts.hotline, name="hotline"),
]
