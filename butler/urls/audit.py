"""The audit of feedback: cases and their steps, ratings, improvement actions, material reduction."""

from django.urls import path

from butler.views import audit

app_name = "audit"
urlpatterns = [
    path("", audit.cases, name="cases"),
    path("<int:pk>/", audit.case, name="case"),
    path("<int:pk>/<str:step>/", audit.case_step, name="case_step"),
    path("ratings/", audit.ratings, name="ratings"),
    path("improvements/", audit.improvements, name="improvements"),
    path("improvements/new/", audit.improvement_new, name="improvement_new"),
    path("improvements/<int:pk>/", audit.improvement, name="improvement"),
    path("materials/", audit.materials, name="materials"),
]
