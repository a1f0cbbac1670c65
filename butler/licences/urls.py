from django.urls import path

from butler.licences import views as licences

app_name = "licences"
urlpatterns = [
    path("company/<int:pk>/", licences.checklist, name="checklist"),
    path("company/<int:pk>/<str:kind>/add/", licences.subject_add, name="subject_add"),
    path("company/<int:pk>/trip-permit/", licences.trip_permit, name="trip_permit"),
    path("company/<int:pk>/file/", licences.file, name="file"),
    path("<int:pk>/", licences.detail, name="detail"),
    path("<int:pk>/step/", licences.step, name="step"),
    path("<int:pk>/trip/", licences.trip, name="trip"),
    path("<int:pk>/trip/<int:trip>/delete/", licences.trip_delete, name="trip_delete"),
    path("<int:pk>/notice/", licences.notice, name="notice"),
    path("<int:pk>/verify/", licences.verify, name="verify"),
    path("<int:pk>/cancel-notice/", licences.cancel_notice, name="cancel_notice"),
    path("<int:pk>/changes/", licences.change_add, name="change_add"),
    path("<int:pk>/changes/<int:change>/", licences.change_step, name="change_step"),
]
