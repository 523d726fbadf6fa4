import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

from stores.validators import (
    email_addresses,
    validate_currency_code,
    validate_email_list,
    validate_timezone_name,
)


class Store(models.Model):
    code = models.SlugField(
        max_length=20, unique=True, help_text="Short code used on shelves and reports, e.g. LDN-01."
    )
    name = models.CharField(max_length=120)
    address_line1 = models.CharField("address line 1", max_length=200)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20)
    country = CountryField()
    currency = models.CharField(
        max_length=3, validators=[validate_currency_code], help_text="ISO 4217 code, e.g. GBP."
    )
    prices_include_tax = models.BooleanField(
        default=False,
        help_text="Shelf prices include sales tax (VAT), as in GB and IE; otherwise tax is added "
        "at the till.",
    )
    timezone = models.CharField(
        max_length=64, validators=[validate_timezone_name], help_text="e.g. Europe/London."
    )
    notification_emails = models.TextField(
        blank=True,
        validators=[validate_email_list],
        help_text="Where order mail for this store goes: one address per line.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        # App-wide capabilities; the roles (groups) that hold them are set in migrations.
        permissions = [
            ("browse_catalog", "Can scan, search and browse what partners offer"),
            ("place_orders", "Can use a cart and place orders for the store"),
            ("view_store_orders", "Can see the store's orders and their customers"),
            ("manage_store_orders", "Can cancel and retry the store's orders"),
            ("onboard_partners", "Can onboard, configure and test partners"),
            ("view_partner_health", "Can see live partners and how their calls are going"),
            ("view_costs", "Can see what partners charge and the margin"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def notification_email_list(self) -> list[str]:
        return email_addresses(self.notification_emails)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class StaffMembership(models.Model):
    """A user works at a store. Each user has at most one primary store, the default one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="store_memberships"
    )
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="memberships")
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "store__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "store"],
                name="one_membership_per_store",
                violation_error_message="This person already works at this store.",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(is_primary=True),
                name="one_primary_store_per_user",
                violation_error_message="This person already has a primary store.",
            ),
        ]

    def __str__(self) -> str:
        primary = " (primary)" if self.is_primary else ""
        return f"{self.user} at {self.store.code}{primary}"


class StaffIdentity(models.Model):
    """Links a user to their account at the identity provider, by issuer and `sub`.

    Users are matched on this pair only, never on e-mail: an address can change hands, a `sub`
    cannot.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity"
    )
    issuer = models.URLField(max_length=300)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "staff identities"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="one_user_per_provider_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
