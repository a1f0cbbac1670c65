from django.urls import path

from butler.views import feedback

app_name = "feedback"
urlpatterns = [
    path("", feedback.portal, name="portal"),
    path("rate/<str:kind>/<int:pk>/", feedback.rate, name="rate"),
    path("suggest/", feedback.suggest, name="suggest"),
    path("companies/<int:pk>/suggestion/", feedback.record_suggestion, name="record_suggestion"),
]
