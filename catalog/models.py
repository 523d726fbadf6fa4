"""The retailer's catalogue: its own products, what partners charge for them, and how it prices.

Money columns keep two decimals (`catalog.money`); GTINs are kept as GTIN-14 so every spelling
of a code finds the same row; categories are kept in `category_key` form so "Home" and "home"
are one category.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalog.money import stored_currency_problem
from catalog.pricing import ROUNDING_LABELS, Rounding, category_key
from catalog.validators import validate_image_urls, validate_trimmed
from partners.mapping.gtin import GtinError, gtin_normalise
from partners.models import Partner
from stores.models import Store
from stores.validators import validate_currency_code

MONEY_DIGITS = 12
MONEY_PLACES = 2
CATEGORY_MAX_LENGTH = 60
DESCRIPTION_MAX_LENGTH = 5000
ZERO = Decimal(0)


def validate_stored_currency(value: str) -> None:
    validate_currency_code(value)
    if problem := stored_currency_problem(value):
        raise ValidationError(problem)


def validate_positive(value: Decimal) -> None:
    if value <= 0:
        raise ValidationError("Must be more than 0.")


def gtin14_cleaned(value: str) -> str:
    """`value` in the GTIN-14 form rows keep, or a ValidationError saying what is wrong."""
    try:
        return gtin_normalise(value).gtin14
    except GtinError as error:
        raise ValidationError(str(error)) from None


def currency_field() -> models.CharField:
    return models.CharField(
        max_length=3, validators=[validate_stored_currency], help_text="ISO 4217 code, e.g. GBP."
    )


def category_field(help_text: str) -> models.CharField:
    return models.CharField(max_length=CATEGORY_MAX_LENGTH, blank=True, help_text=help_text)


class MasterProduct(models.Model):
    """A product the retailer lists itself. Its name, images and price are shown for its GTINs
    whatever partners send (an availability-only partner sends none)."""

    store_sku = models.CharField(
        "store SKU",
        max_length=40,
        validators=[validate_trimmed],
        help_text="The retailer's own code for the product, e.g. EA00006.",
    )
    name = models.CharField(max_length=200)
    brand = models.CharField(max_length=120, blank=True)
    category = category_field("e.g. apparel, footwear, home: pricing and tax rules use it.")
    description = models.TextField(
        blank=True, validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)]
    )
    image_urls = models.TextField(
        "images",
        blank=True,
        validators=[validate_image_urls],
        help_text="One https:// address (or /path on this site) per line; the first is the main "
        "picture.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["store_sku"]
        verbose_name = "product (master)"
        verbose_name_plural = "products (master)"
        constraints = [
            models.UniqueConstraint(
                Lower("store_sku"),
                name="one_master_product_per_store_sku",
                violation_error_message="Another product has this store SKU.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.store_sku} {self.name}"

    def clean(self) -> None:
        self.category = category_key(self.category)

    @property
    def image_list(self) -> list[str]:
        return self.image_urls.split()


class ProductGtin(models.Model):
    """One of a master product's GTINs: usually one per size and colour."""

    product = models.ForeignKey(MasterProduct, on_delete=models.CASCADE, related_name="gtins")
    gtin = models.CharField(
        "GTIN",
        max_length=14,
        unique=True,
        error_messages={"unique": "Another product has this GTIN."},
        help_text="EAN-13, UPC-A, GTIN-8 or GTIN-14; kept as 14 digits.",
    )

    class Meta:
        ordering = ["gtin"]
        verbose_name = "GTIN"

    def __str__(self) -> str:
        return self.gtin

    def clean(self) -> None:
        self.gtin = gtin14_cleaned(self.gtin)


class RetailPrice(models.Model):
    """The master's selling price in one currency, as the customer sees it: including tax
    where the stores of that currency show prices with tax."""

    product = models.ForeignKey(MasterProduct, on_delete=models.CASCADE, related_name="prices")
    currency = currency_field()
    amount = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, validators=[validate_positive]
    )

    class Meta:
        ordering = ["currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "currency"],
                name="one_retail_price_per_currency",
                violation_error_message="The product has a price in this currency already.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.amount}"


class SupplierItem(models.Model):
    """What a partner charges us for a GTIN, as agreed. It prices the offers of a partner that
    reports only availability, and routes codes: its partner SKU and product number find the
    GTIN when an associate types them."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="supplier_items")
    gtin = models.CharField("GTIN", max_length=14, help_text="Kept as 14 digits.")
    partner_sku = models.CharField(
        "partner SKU", max_length=64, blank=True, validators=[validate_trimmed]
    )
    partner_product_number = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_trimmed],
        help_text="The partner's number for the whole product (all sizes and colours).",
    )
    cost = models.DecimalField(
        "agreed cost",
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        validators=[MinValueValidator(ZERO)],
    )
    currency = currency_field()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partner__name", "gtin"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "gtin"],
                name="one_supplier_item_per_partner_gtin",
                violation_error_message="This partner has a supplier item for this GTIN already.",
            )
        ]
        indexes = [
            models.Index(Lower("partner_sku"), name="supplier_item_sku_lower"),
            models.Index(Lower("partner_product_number"), name="supplier_item_number_lower"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.partner_sku or self.gtin}"

    def clean(self) -> None:
        self.gtin = gtin14_cleaned(self.gtin)


class PricingRule(models.Model):
    """How to price what the product master does not list. The most specific rule wins:
    partner and category, then partner, then category, then the rule for everything."""

    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pricing_rules",
        help_text="Leave empty for every partner.",
    )
    category = category_field("Leave empty for every category.")
    markup_percent = models.DecimalField(
        "markup on cost (%)",
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal(1000))],
        help_text="100 sells at twice the partner's cost (before tax).",
    )
    use_msrp = models.BooleanField(
        "use the partner's MSRP",
        default=False,
        help_text="Sell at the partner's recommended retail price when it sends one.",
    )
    rounding = models.CharField(
        max_length=10,
        choices=[(rounding.value, label) for rounding, label in ROUNDING_LABELS.items()],
        default=Rounding.UP_TO_99.value,
        help_text="Applied to the price the customer sees (with tax where prices include it).",
    )
    margin_floor_percent = models.DecimalField(
        "margin floor (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("99.99"))],
        help_text="Below this margin on the price before tax, the item is not sellable.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["partner__name", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "category"],
                condition=Q(partner__isnull=False),
                name="one_pricing_rule_per_partner_category",
                violation_error_message="There is a rule for this partner and category already.",
            ),
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(partner__isnull=True),
                name="one_pricing_rule_per_category_for_all_partners",
                violation_error_message="There is a rule for every partner in this category "
                "already.",
            ),
        ]

    def __str__(self) -> str:
        partner = self.partner.name if self.partner_id else "every partner"
        return f"{partner}, {self.category or 'every category'}"

    def clean(self) -> None:
        self.category = category_key(self.category)


class ExchangeRate(models.Model):
    """How many `to_currency` one `from_currency` buys, as the retailer decides. Only this
    direction is used: a rate EUR→GBP does not price GBP costs in EUR."""

    from_currency = currency_field()
    to_currency = currency_field()
    rate = models.DecimalField(max_digits=18, decimal_places=8, validators=[validate_positive])
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["from_currency", "to_currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_currency", "to_currency"],
                name="one_exchange_rate_per_pair",
                violation_error_message="There is a rate for these currencies already.",
            ),
            models.CheckConstraint(
                condition=~Q(from_currency=models.F("to_currency")),
                name="exchange_rate_between_two_currencies",
                violation_error_message="A rate converts between two different currencies.",
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.from_currency} = {self.rate} {self.to_currency}"


class StoreTaxRate(models.Model):
    """A store's sales tax rate for a category; the row without a category is the rate of
    every category that has none of its own. Cross-border tax is out of scope."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="tax_rates")
    category = category_field("Leave empty for every category without its own rate.")
    rate_percent = models.DecimalField(
        "rate (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal(100))],
    )

    class Meta:
        ordering = ["store__name", "category"]
        verbose_name = "store tax rate"
        constraints = [
            models.UniqueConstraint(
                fields=["store", "category"],
                name="one_tax_rate_per_store_category",
                violation_error_message="The store has a rate for this category already.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.store.code} {self.category or 'every category'}: {self.rate_percent}%"

    def clean(self) -> None:
        self.category = category_key(self.category)


class AssistanceRequestQuerySet(models.QuerySet):
    def waiting(self) -> "AssistanceRequestQuerySet":
        """Not handled and not lapsed: made within the last CATALOG_ASSISTANCE_REQUEST_MINUTES.
        An older unhandled request lapses (its customer has gone, or was helped without anyone
        pressing "handled"): it is kept, but no longer shown or counted as waiting."""
        lapse = timedelta(minutes=settings.CATALOG_ASSISTANCE_REQUEST_MINUTES)
        return self.filter(handled_at__isnull=True, at__gt=timezone.now() - lapse)


class AssistanceRequest(models.Model):
    """A kiosk's "call an associate": a customer at the store wants help with an item (its
    GTIN) or a search (its words). The store's associates see the waiting ones on their Scan
    page and mark them handled; one left unhandled lapses (`AssistanceRequestQuerySet.waiting`)."""

    QUERY_MAX_LENGTH = 100  # catalog.search.QUERY_MAX_CHARS

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="assistance_requests")
    gtin14 = models.CharField("GTIN", max_length=14, blank=True)
    query = models.CharField(max_length=QUERY_MAX_LENGTH, blank=True)
    at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)
    # The associate may leave; the store keeps the record that the request was handled.
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AssistanceRequestQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["store", "at"],
                condition=Q(handled_at__isnull=True),
                name="catalog_assistance_open",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(gtin14="") & ~Q(query="")) | (~Q(gtin14="") & Q(query="")),
                name="assistance_request_about_an_item_or_a_search",
                violation_error_message="A request is about an item or a search, one of them.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.gtin14 or self.query} at {self.store_id} ({self.at:%Y-%m-%d %H:%M})"

    @property
    def handled(self) -> bool:
        return self.handled_at is not None


class Scan(models.Model):
    """A code scanned or typed at a store that resolved to a product: the store's recent scans
    on the Scan page, so an associate can go back to an item a moment later. Codes that did not
    resolve are not kept: they lead nowhere."""

    ENTERED_MAX_LENGTH = 120  # catalog.codes.CODE_MAX_LENGTH

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="scans")
    # The associate may leave; the store's history of what was looked up stays.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered = models.CharField(max_length=ENTERED_MAX_LENGTH)
    gtin14 = models.CharField("GTIN", max_length=14)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["store", "-at"], name="catalog_scan_store_recent")]

    def __str__(self) -> str:
        return f"{self.entered} at {self.store_id} ({self.at:%Y-%m-%d %H:%M})"


CUSTOMER_NAME_MAX_LENGTH = 80
PRODUCT_NAME_MAX_LENGTH = 200
PROBLEM_REASON_MAX_LENGTH = 200


class Cart(models.Model):
    """An associate's cart at one store, kept in the database so it survives a reload or a
    tablet that slept. One cart per associate and store is ACTIVE (the one scans add to); the
    associate can park it under the customer's name and resume it later. Parked carts past
    `expires_at` are deleted (`catalog.cart_services.carts_parked_expire`): they hold a
    customer's name, and nobody may resume them any more."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PARKED = "parked", "Parked"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="carts")
    associate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="carts",
        help_text="Who holds the cart: works on it while active, parked it while parked.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    customer_name = models.CharField(max_length=CUSTOMER_NAME_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    parked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "associate"],
                condition=Q(status="active"),
                name="one_active_cart_per_store_associate",
                violation_error_message="This associate has an active cart at this store already.",
            ),
            models.CheckConstraint(
                condition=~Q(status="parked")
                | (~Q(customer_name="") & Q(parked_at__isnull=False) & Q(expires_at__isnull=False)),
                name="parked_cart_has_customer_and_expiry",
                violation_error_message="A parked cart needs the customer's name and an expiry.",
            ),
        ]
        indexes = [models.Index(fields=["store", "status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.store.code} cart {self.pk} ({self.get_status_display()})"


class CartLine(models.Model):
    """One item in a cart from one partner, as the associate was shown it: name, variant,
    our unit selling price (never the partner's cost) and delivery estimate, each as of
    `checked_at`. A line with a `problem` stays in the cart, shown, but out of the total."""

    class Problem(models.TextChoices):
        NONE = "", "None"
        SHORT = "short", "Fewer available than in the cart"
        UNAVAILABLE = "unavailable", "No longer available"
        NOT_SELLABLE = "not_sellable", "Not sellable"

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    gtin14 = models.CharField("GTIN-14", max_length=14)
    partner_sku = models.CharField("partner SKU", max_length=64, blank=True)
    product_name = models.CharField(max_length=PRODUCT_NAME_MAX_LENGTH)
    attributes = models.JSONField(default=dict, blank=True, help_text="Size, colour… as shown.")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    currency = models.CharField(max_length=3)
    available_quantity = models.PositiveIntegerField(
        null=True, blank=True, help_text="As the partner last said; empty when it did not say."
    )
    delivery_days = models.PositiveIntegerField(null=True, blank=True)
    delivery_date = models.DateField(null=True, blank=True)
    problem = models.CharField(max_length=20, choices=Problem.choices, blank=True)
    problem_reason = models.CharField(max_length=PROBLEM_REASON_MAX_LENGTH, blank=True)
    checked_at = models.DateTimeField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner__priority", "partner__name", "added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "partner", "gtin14"],
                name="one_cart_line_per_partner_item",
                violation_error_message="The cart has this item from this partner already.",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="cart_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def counts(self) -> bool:
        """Whether the line is in the cart's total: only lines that can be ordered as they are."""
        return not self.problem
