from django.urls import path

from butler.views.portfolio import portfolio

app_name = "portfolio"
urlpatterns = [path("", portfolio, name="list")]
