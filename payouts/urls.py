from django.urls import path

from . import views

app_name = "payouts"

urlpatterns = [
    path("ops/payouts/", views.periods, name="period_list"),
    path("ops/payouts/<int:period_id>/", views.period_detail, name="period"),
    path("ops/payouts/<int:period_id>/<str:action>/", views.period_action, name="period_action"),
    path(
        "ops/payouts/<int:period_id>/statements/<int:statement_id>/reissue/",
        views.statement_reissue,
        name="statement_reissue",
    ),
    path("s/<str:token>/", views.statement, name="statement"),
    path("print/statements/<int:period_id>/", views.statement_slips, name="slips"),
]
