from django.urls import path

from butler.firstvisit import views as first_visit

app_name = "firstvisit"
urlpatterns = [
    path("", first_visit.search, name="search"),
    path("register/", first_visit.register, name="register"),
    path("registrations/", first_visit.registrations, name="registrations"),
    path("<int:company_pk>/accept/", first_visit.accept, name="accept"),
]
