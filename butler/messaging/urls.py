from django.urls import path

from butler.messaging import views as messages

app_name = "messaging"
urlpatterns = [
    path("", messages.portal_list, name="portal_list"),
    path("new/", messages.portal_new, name="portal_new"),
    path("<int:pk>/", messages.portal_thread, name="portal_thread"),
    path("companies/<int:pk>/new/", messages.new, name="new"),
    path("threads/<int:pk>/", messages.thread, name="thread"),
    path("files/<int:pk>/", messages.attachment, name="attachment"),
]
