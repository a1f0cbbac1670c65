from django.urls import path

from butler.views import exports

app_name = "exports"
urlpatterns = [
    path("", exports.index, name="index"),
    path("look-back/", exports.lookback, name="lookback"),
    path("<str:table>.<str:fmt>", exports.table, name="table"),
]
