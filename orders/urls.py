from django.urls import path

from orders import manager_views, pickup_views, views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("lookup/", views.order_lookup, name="lookup"),
    path("attention/", views.attention, name="attention"),
    path(
        "partner-orders/<int:pk>/retry/",
        manager_views.partner_order_retry_view,
        name="partner_order_retry",
    ),
    path(
        "partner-orders/<int:pk>/redrive/",
        manager_views.partner_order_redrive_view,
        name="partner_order_redrive",
    ),
    path(
        "partner-orders/<int:pk>/review/",
        manager_views.partner_order_review_view,
        name="partner_order_review",
    ),
    path(
        "partner-orders/<int:pk>/till-refund/",
        manager_views.partner_order_till_refund_view,
        name="partner_order_till_refund",
    ),
    path(
        "partner-orders/<int:pk>/customer-told/",
        manager_views.partner_order_customer_told_view,
        name="partner_order_customer_told",
    ),
    path(
        "partner-orders/<int:pk>/settle/",
        manager_views.partner_order_settle_view,
        name="partner_order_settle",
    ),
    path(
        "partner-orders/<int:pk>/cancel/",
        manager_views.partner_order_cancel_view,
        name="partner_order_cancel",
    ),
    path("<str:number>/", views.order_detail, name="order"),
    path("<str:number>/receipt/", views.order_receipt, name="receipt"),
    path(
        "<str:number>/pickup/<str:step>/",
        pickup_views.order_pickup_mark_view,
        name="pickup_mark",
    ),
]
