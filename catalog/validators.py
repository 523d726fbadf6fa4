"""Checks on what merchandisers type or import into the catalogue."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

IMAGES_MAX = 10
IMAGE_URL_MAX_LENGTH = 500
_https_url = URLValidator(schemes=["https"])


def validate_trimmed(value: str) -> None:
    """A code is compared as typed: no spaces around it and no control characters in it."""
    if value != value.strip():
        raise ValidationError("Remove the spaces before and after the code.")
    if any(not character.isprintable() for character in value):
        raise ValidationError("The code contains a control character.")


def validate_image_urls(value: str) -> None:
    urls = value.split()
    if len(urls) > IMAGES_MAX:
        raise ValidationError(
            "At most %(max)d images, got %(count)d.", params={"max": IMAGES_MAX, "count": len(urls)}
        )
    for url in urls:
        if len(url) > IMAGE_URL_MAX_LENGTH:
            raise ValidationError(
                "An image address is at most %(max)d characters.",
                params={"max": IMAGE_URL_MAX_LENGTH},
            )
        if url.startswith("/") and not url.startswith("//"):
            continue  # a picture this site serves, e.g. /media/products/ea00006.jpg
        try:
            _https_url(url)
        except ValidationError:
            raise ValidationError(
                "%(url)s is neither an https:// address nor a path on this site (/…).",
                params={"url": url},
            ) from None
