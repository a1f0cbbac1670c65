from django.urls import path

from butler.views import cards

app_name = "periods"
urlpatterns = [
    path("<int:pk>/card/", cards.card, name="card"),
    path("<int:pk>/card/invitation/", cards.new_invitation, name="new_invitation"),
    path("<int:pk>/summary/", cards.summary, name="summary"),
]
