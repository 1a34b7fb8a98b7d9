from django.urls import path

from . import views

app_name = "sms"

urlpatterns = [
    path("ops/sms/", views.messages, name="messages"),
]
