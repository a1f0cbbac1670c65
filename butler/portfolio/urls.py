from django.urls import path

from butler.portfolio.views import portfolio, today

app_name = "portfolio"
urlpatterns = [path("", portfolio, name="list"), path("today/", today, name="today")]
