from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("ops/users/", views.users, name="users"),
    path("ops/users/new/", views.user_new, name="user_new"),
    path("ops/users/<int:user_id>/", views.user, name="user"),
    path("set-password/<str:uidb64>/<str:token>/", views.set_password, name="set_password"),
]
