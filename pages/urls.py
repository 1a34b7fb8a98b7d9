from django.urls import path

from . import household_data, inbox, media, passbook, views

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("me/", views.account, name="account"),
    path("me/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("offline/", views.offline, name="offline"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/read/", inbox.inbox_read, name="inbox_read"),
    path("ops/", views.impact, name="impact"),
    # The household's passbook behind its card (no login; second factor, pages/passbook.py).
    path("p/<str:code>/", passbook.passbook, name="passbook"),
    path("p/<str:code>/answer/", passbook.passbook_answer, name="passbook_answer"),
    # Uploaded photos, each checked by its app (never served as plain files).
    path("media/<path:name>", media.media, name="media"),
    path(
        "households/<int:household_id>/data.<str:shape>",
        household_data.household_data_export,
        name="household_data",
    ),
]
