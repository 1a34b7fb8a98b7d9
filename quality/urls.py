from django.urls import path

from . import views

app_name = "quality"

urlpatterns = [
    path("scan/", views.scan, name="scan"),
    # What a label's QR holds (quality.schemas.lot_url): a phone camera app opens the lot page.
    path("L/<str:code>", views.lot_short_link, name="short_link"),
    path("lots/", views.lots_to_inspect, name="lot_list"),
    path("lots/open/", views.lot_open, name="lot_open"),
    path("lots/<str:code>/", views.lot_detail, name="lot"),
    path("lots/<str:code>/label/", views.label, name="label"),
    path(
        "lots/<str:code>/inspections/<int:inspection_id>/dispose/",
        views.dispose,
        name="dispose",
    ),
    path("work/batches/<int:batch_id>/pack/", views.pack, name="pack"),
    path("work/batches/<int:batch_id>/losses/", views.batch_loss, name="batch_loss"),
    # merchant: goods received (type or scan lot codes one after another)
    path("shop/receive/", views.receive, name="receive"),
    # materials out (merchant) and their arrival (lead): the step that starts production
    path("shop/batches/<int:batch_id>/materials/", views.materials_pack, name="materials_pack"),
    path(
        "work/batches/<int:batch_id>/materials/received/",
        views.materials_receive,
        name="materials_receive",
    ),
    # merchant: the order page (orders lists the orders; this page adds what quality found)
    path("shop/orders/<int:order_id>/", views.order_detail, name="order"),
    path("shop/batches/<int:batch_id>/", views.shop_batch, name="shop_batch"),
]
