from django.urls import path

from butler.service import views as cards

app_name = "service"
urlpatterns = [
    path("<int:pk>/card/", cards.card, name="card"),
    path("<int:pk>/card/invitation/", cards.new_invitation, name="new_invitation"),
]
