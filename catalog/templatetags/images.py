"""`{{ url|shown_image }}`: where a page points an <img> for a product image (see
`catalog.image_proxy`): our own URL for it, never the partner's."""

from django import template
from django.urls import reverse

from catalog.image_proxy import image_token

register = template.Library()


@register.filter
def shown_image(url: str) -> str:
    return reverse("catalog:image", args=[image_token(url)])
