from django.urls import path

from . import views

app_name = "allocation"

urlpatterns = [
    path("ops/allocation/", views.run_list, name="runs"),
    path("ops/allocation/<int:run_id>/", views.run_detail, name="run"),
    path("ops/allocation/<int:run_id>/apply/", views.run_apply, name="apply"),
    path(
        "ops/allocation/<int:run_id>/proposals/<int:proposal_id>/exclude/",
        views.proposal_exclude,
        name="exclude",
    ),
    path(
        "ops/allocation/<int:run_id>/proposals/<int:proposal_id>/restore/",
        views.proposal_restore,
        name="restore",
    ),
]
