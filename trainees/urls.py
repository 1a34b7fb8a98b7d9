from django.urls import path

from . import views

app_name = "trainees"

urlpatterns = [
    path("train/", views.cohorts, name="cohorts"),
    path("train/cohorts/<int:cohort_id>/", views.cohort_detail, name="cohort"),
    path("train/trainees/<int:trainee_id>/", views.trainee_detail, name="trainee"),
    path("train/log/", views.log, name="log"),
    path("train/trainees/<int:trainee_id>/assess/", views.assess, name="assess"),
    path("train/assessments/<int:assessment_id>/revoke/", views.revoke, name="revoke"),
]
