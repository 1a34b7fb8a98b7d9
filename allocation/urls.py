from django.urls import path

from . import views

app_name = "allocation"

urlpatterns = [
    path("ops/allocation/", views.run_list, name="runs"),
    path("ops/allocation/<int:run_id>/", views.run_detail, name="run"),
]
