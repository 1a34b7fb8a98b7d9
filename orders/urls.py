from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    # workshop lead
    path("work/", views.open_batches, name="open_batches"),
    path("work/mine/", views.my_batches, name="my_batches"),
    path("work/batches/<int:batch_id>/", views.batch_detail, name="batch"),
    path("work/batches/<int:batch_id>/claim/", views.claim, name="claim"),
    path("work/batches/<int:batch_id>/tickets/", views.ticket_new, name="ticket_new"),
    path(
        "work/batches/<int:batch_id>/tickets/<int:ticket_id>/returns/",
        views.ticket_return,
        name="ticket_return",
    ),
    path(
        "work/batches/<int:batch_id>/tickets/<int:ticket_id>/corrections/",
        views.ticket_correct,
        name="ticket_correct",
    ),
    path("work/batches/<int:batch_id>/start/", views.batch_start, name="batch_start"),
    path("work/batches/<int:batch_id>/finish/", views.batch_finish, name="batch_finish"),
    # merchant
    path("shop/", views.order_list, name="order_list"),
    path("shop/orders/new/", views.order_new, name="order_new"),
    path("shop/orders/fair-pay/", views.fair_pay, name="fair_pay"),
    path("shop/orders/<int:order_id>/edit/", views.order_edit, name="order_edit"),
    path("shop/orders/<int:order_id>/publish/", views.order_publish_draft, name="order_publish"),
    path("shop/orders/<int:order_id>/cancel/", views.order_cancel_draft, name="order_cancel"),
    path(
        "shop/orders/<int:order_id>/batches/cancel/",
        views.order_batches_cancel_page,
        name="order_batches_cancel",
    ),
]
