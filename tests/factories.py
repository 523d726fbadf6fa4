from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from partners.crypto import credentials_encrypt
from partners.models import Partner, PartnerCall, PartnerCredentials
from stores.models import StaffMembership, Store
from stores.roles import Role


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"TST-{n:02d}")
    name = factory.Sequence(lambda n: f"Test Store {n}")
    address_line1 = "1 High Street"
    city = "Leeds"
    postal_code = "LS1 1AA"
    country = "GB"
    currency = "GBP"
    timezone = "Europe/London"
    notification_emails = "orders@example.com"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Sam"
    password = factory.django.Password("test-password")

    @factory.post_generation
    def role(user, create, extracted: Role | None, **kwargs):
        if extracted is not None:
            user.groups.add(Group.objects.get(name=extracted.value))
            if extracted == Role.MERCHANDISER:
                user.is_staff = True
                user.save(update_fields=["is_staff"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    store = factory.SubFactory(StoreFactory)
    is_primary = True


def _serving(partner) -> bool:
    return partner.status in (Partner.Status.LIVE, Partner.Status.PAUSED)


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Partner {n}")
    slug = factory.Sequence(lambda n: f"partner-{n}")
    status = Partner.Status.LIVE
    base_url = "https://api.partner.example"
    # The facts a live or paused partner keeps (see partners/facts.py); unset before.
    ships_to = factory.LazyAttribute(lambda partner: ["GB"] if _serving(partner) else [])
    shipping_rule = factory.LazyAttribute(
        lambda partner: Partner.ShippingRule.FREE if _serving(partner) else ""
    )
    status_delivery = factory.LazyAttribute(
        lambda partner: Partner.StatusDelivery.POLLING if _serving(partner) else ""
    )

    @factory.post_generation
    def credentials(partner, create, extracted: dict[str, str] | None, **kwargs):
        if extracted is not None:
            PartnerCredentials.objects.create(
                partner=partner, encrypted=credentials_encrypt(extracted)
            )


class PartnerCallFactory(factory.django.DjangoModelFactory):
    """A logged call. `created_at` is set on the model's first save (auto_now_add), so a call at
    another time is made with `at=`, which writes its time afterwards."""

    class Meta:
        model = PartnerCall
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    operation = "lookup"
    method = "GET"
    path = "/v1/products"
    status_code = 200
    latency_ms = 100
    outcome = PartnerCall.Outcome.OK
    delivery = PartnerCall.Delivery.ANSWERED
    config_version = factory.SelfAttribute("partner.config_version")

    @factory.post_generation
    def at(call, create, extracted, **kwargs):
        if extracted is not None:
            PartnerCall.objects.filter(pk=call.pk).update(created_at=extracted)
            call.created_at = extracted


# --- The catalogue (catalog/) ---


class MasterProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.MasterProduct"

    store_sku = factory.Sequence(lambda n: f"EA{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    category = "apparel"


class ProductGtinFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.ProductGtin"

    product = factory.SubFactory(MasterProductFactory)
    gtin = "05012345678900"


class RetailPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.RetailPrice"

    product = factory.SubFactory(MasterProductFactory)
    currency = "EUR"
    amount = Decimal("59.99")


class SupplierItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.SupplierItem"

    partner = factory.SubFactory(PartnerFactory)
    gtin = "05012345678900"
    cost = Decimal("20.00")
    currency = "GBP"


# --- Carts (catalog/) ---


class CartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.Cart"

    store = factory.SubFactory(StoreFactory)
    associate = factory.SubFactory(UserFactory)
    created_by = factory.SelfAttribute("associate")


class CartLineFactory(factory.django.DjangoModelFactory):
    """A line as the cart service would have written it: priced in the cart store's currency."""

    class Meta:
        model = "catalog.CartLine"

    cart = factory.SubFactory(CartFactory)
    partner = factory.SubFactory(PartnerFactory)
    gtin14 = factory.Sequence(lambda n: f"{n:014d}")
    product_name = factory.Sequence(lambda n: f"Item {n}")
    attributes = factory.LazyFunction(lambda: {"size": "M", "colour": "Navy"})
    quantity = 1
    unit_price = Decimal("10.00")
    currency = factory.SelfAttribute("cart.store.currency")
    available_quantity = 10
    checked_at = factory.LazyFunction(timezone.now)
