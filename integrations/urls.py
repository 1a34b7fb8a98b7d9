from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("shop/integrations/", views.integrations, name="integrations"),
]
