"""Orders in the admin: read only. Statuses move through `orders.services` (with their events),
never by editing a row. Superusers see every order; a store manager, should the admin site
admit them, sees their stores' orders only."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from orders.models import Order, OrderEvent, OrderLine, PartnerOrder
from stores.access import user_may
from stores.roles import Perm


def may_view_orders(request: HttpRequest) -> bool:
    return request.user.is_superuser or user_may(request.user, Perm.MANAGE_STORE_ORDERS)


class ReadOnlyMixin:
    def has_view_permission(self, request, obj=None) -> bool:
        return may_view_orders(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PartnerOrderInline(ReadOnlyMixin, admin.TabularInline):
    model = PartnerOrder
    fields = [
        "reference",
        "partner_name",
        "status",
        "partner_reference",
        "attempts",
        "config_version",
        "shipping_amount",
        "idempotency_key",
    ]
    readonly_fields = fields
    extra = 0


class OrderEventInline(ReadOnlyMixin, admin.TabularInline):
    model = OrderEvent
    fields = ["id", "at", "type", "actor", "partner_order", "data"]
    readonly_fields = fields
    extra = 0


@admin.register(Order)
class OrderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "store", "status", "customer_name", "total", "currency", "created_at"]
    list_filter = ["status", "store", "delivery_method", "payment_method"]
    list_select_related = ["store"]
    search_fields = ["number", "customer_name", "customer_email", "customer_phone"]
    date_hierarchy = "created_at"
    inlines = [PartnerOrderInline, OrderEventInline]
    readonly_fields = ["lines"]
    fieldsets = [
        (None, {"fields": ["number", "store", "associate", "status", "created_at"]}),
        (
            "Customer",
            {
                "fields": [
                    "customer_name",
                    "customer_email",
                    "customer_phone",
                    "consent_to_email",
                    "note",
                ]
            },
        ),
        (
            "Delivery",
            {
                "fields": [
                    "delivery_method",
                    "address_line1",
                    "address_line2",
                    "city",
                    "region",
                    "postal_code",
                    "country",
                ]
            },
        ),
        (
            "Payment",
            {
                "fields": [
                    "currency",
                    "prices_include_tax",
                    "subtotal",
                    "shipping_total",
                    "tax_total",
                    "total",
                    "payment_method",
                    "payment_reference",
                ]
            },
        ),
        ("Lines", {"fields": ["lines"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Order]:
        orders = super().get_queryset(request)
        if request.user.is_superuser:
            return orders
        return orders.filter(store__memberships__user=request.user)

    @admin.display(description="Lines")
    def lines(self, order: Order) -> str:
        rows = OrderLine.objects.filter(partner_order__order=order).select_related("partner_order")
        return format_html(
            "<table><tr><th>Partner</th><th>Item</th><th>SKU</th><th>Qty</th><th>Price</th>"
            "<th>Status</th><th>Tracking</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                "<td>{}</td></tr>",
                (
                    (
                        line.partner_order.partner_name,
                        line.product_name,
                        line.partner_sku,
                        line.quantity,
                        line.unit_price,
                        line.get_status_display(),
                        line.tracking_number,
                    )
                    for line in rows
                ),
            ),
        )
