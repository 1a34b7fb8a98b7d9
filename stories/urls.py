from django.urls import path

from . import views

app_name = "stories"

urlpatterns = [
    # The hang-tag's QR is upper case (alphanumeric mode); a typed link may be lower case.
    path("T/<str:code>", views.story, name="story_upper"),
    path("t/<str:code>", views.story, name="story"),
    path("shop/orders/<int:order_id>/story/", views.order_story, name="order"),
    path(
        "shop/orders/<int:order_id>/story/<str:lot_code>/hangtags.pdf",
        views.hangtags,
        name="hangtags",
    ),
]
