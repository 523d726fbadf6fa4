"""Factories for the partner models, kept next to the tests that use them."""

import factory

from partners.crypto import credentials_encrypt
from partners.models import Partner, PartnerCredentials


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Partner {n}")
    slug = factory.Sequence(lambda n: f"partner-{n}")
    status = Partner.Status.LIVE
    base_url = "https://api.partner.example"

    @factory.post_generation
    def credentials(partner, create, extracted: dict[str, str] | None, **kwargs):
        if extracted is not None:
            PartnerCredentials.objects.create(
                partner=partner, encrypted=credentials_encrypt(extracted)
            )
