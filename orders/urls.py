from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("lookup/", views.order_lookup, name="lookup"),
    path("attention/", views.attention, name="attention"),
    path("<str:number>/", views.order_detail, name="order"),
    path("<str:number>/receipt/", views.order_receipt, name="receipt"),
]
