from django.urls import path

from . import advance_views, currency_views, merchant_views, payment_views, views

app_name = "payouts"

urlpatterns = [
    path("ops/payouts/", views.periods, name="period_list"),
    path("ops/advances/", advance_views.advances, name="advances_ops"),
    path("lead/advances/", advance_views.advances, name="advances"),
    path(
        "shop/orders/<int:order_id>/premiums/",
        advance_views.order_premiums,
        name="order_premiums",
    ),
    path("ops/payouts/<int:period_id>/", views.period_detail, name="period"),
    path("ops/payouts/<int:period_id>/adjustments/", views.period_adjust, name="period_adjust"),
    path("ops/payouts/<int:period_id>/rates/", currency_views.period_rates, name="period_rates"),
    path(
        "ops/payouts/<int:period_id>/transfer.<str:kind>",
        views.period_transfer,
        name="transfer",
    ),
    path("ops/payouts/<int:period_id>/<str:action>/", views.period_action, name="period_action"),
    path(
        "ops/payouts/<int:period_id>/statements/<int:statement_id>/reissue/",
        views.statement_reissue,
        name="statement_reissue",
    ),
    path("ops/payouts/payments/", payment_views.payment_attention, name="payments"),
    path(
        "ops/payouts/payments/<int:payment_id>/resolve/",
        payment_views.payment_resolve,
        name="payment_resolve",
    ),
    path("work/payments/", payment_views.payment_confirm, name="payment_confirm"),
    path("s/<str:token>/", views.statement, name="statement"),
    path("shop/payouts/", merchant_views.merchant_periods, name="merchant_periods"),
    path(
        "shop/payouts/<int:period_id>/",
        merchant_views.merchant_statement,
        name="merchant_statement",
    ),
    path(
        "shop/payouts/<int:period_id>/statement.<str:kind>",
        merchant_views.merchant_statement_download,
        name="merchant_statement_file",
    ),
    path("print/statements/<int:period_id>/", views.statement_slips, name="slips"),
]
