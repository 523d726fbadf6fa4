from decimal import Decimal

from django import template

from catalog.cart_checks import money_display

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """`{{ line.unit_price|money:line.currency }}` gives "€12.50"."""
    return "—" if amount is None else money_display(amount, currency)
