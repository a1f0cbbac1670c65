"""The feedback room's pages: a company's ratings and suggestions, and their audit by managers."""

from django.urls import path

from butler.feedback import audit_views, on_site_views, results_views, review_views, views

app_name = "feedback"
urlpatterns = [
    path("feedback/", views.portal, name="portal"),
    path("feedback/rate/again/<int:pk>/", views.rate_again, name="rate_again"),
    path("feedback/rate/<str:kind>/<int:pk>/", views.rate, name="rate"),
    path("feedback/suggest/", views.suggest, name="suggest"),
    path("feedback/companies/<int:pk>/suggestion/", views.record_suggestion, name="record_suggestion"),
    # The audit: cases and their steps, ratings, improvement actions, material reduction.
    path("audit/", audit_views.cases, name="cases"),
    path("audit/<int:pk>/", audit_views.case, name="case"),
    path("audit/<int:pk>/<str:step>/", audit_views.case_step, name="case_step"),
    path("audit/ratings/", audit_views.ratings, name="ratings"),
    path("audit/improvements/", audit_views.improvements, name="improvements"),
    path("audit/improvements/new/", audit_views.improvement_new, name="improvement_new"),
    path("audit/improvements/<int:pk>/", audit_views.improvement, name="improvement"),
    path("audit/materials/", audit_views.materials, name="materials"),
    # A visit rated on the spot: the butler's code, the page whoever came rates it on.
    path("feedback/visit/<int:pk>/code/", on_site_views.visit_qr, name="visit_qr"),
    path("rate/visit/<str:token>/", on_site_views.rate_visit, name="rate_visit"),
    # Published for anyone: the results of the ratings and what was put right.
    path("results/", results_views.results, name="results"),
    # The reviewer outside the window: disputed ratings (申诉).
    path("review/", review_views.disputes, name="disputes"),
    path("review/<int:pk>/", review_views.dispute, name="dispute"),
]
