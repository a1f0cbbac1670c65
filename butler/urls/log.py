from django.urls import path

from butler.views import contacts

app_name = "log"
urlpatterns = [
    path("company/<int:pk>/add/", contacts.add, name="add"),
    path("company/<int:pk>/quick/", contacts.quick, name="quick"),
    path("<int:pk>/return-visit/", contacts.return_visit, name="return_visit"),
]
