"""The authentication backend for provider sign-ins.

It keeps mozilla-django-oidc's code exchange (with the PKCE verifier) and replaces the rest:
endpoints come from discovery when first needed (so a password sign-in with the break-glass
login never waits on the provider), the ID token is checked by `tokens.id_token_claims`, and the
user is found by issuer and `sub` and brought up to date from the token alone. Userinfo is not
asked: Cognito leaves the groups out of it, and the ID token already holds every claim we use.
"""

import logging

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from stores.models import StaffIdentity
from stores.oidc.claims import staff_claims
from stores.oidc.provider import provider_metadata
from stores.oidc.refusals import SignInRefused, provider_unreachable
from stores.oidc.tokens import id_token_claims
from stores.services import StaffIdentityConflict, staff_identity_sign_in

logger = logging.getLogger(__name__)

# Where the callback view finds why a sign-in was refused.
REFUSAL_ATTRIBUTE = "oidc_refusal"


class StaffOidcBackend(OIDCAuthenticationBackend):
    def __init__(self, *args, **kwargs):
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = "RS256"
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = get_user_model()

    # The library reads this attribute; a property defers discovery to the first code exchange.
    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return provider_metadata()["token_endpoint"]

    def authenticate(self, request, **kwargs):
        """Sign in from the provider's callback (the only caller that passes a nonce), or return
        None and leave the reason on the request for the callback view to show."""
        if request is None or not kwargs.get("nonce"):
            return None
        try:
            return super().authenticate(request, **kwargs)
        except SignInRefused as refusal:
            logger.warning("oidc sign-in refused: %s", refusal.reason)
            setattr(request, REFUSAL_ATTRIBUTE, refusal)
        except requests.RequestException as error:
            logger.warning("oidc token request failed: %s", type(error).__name__)
            setattr(request, REFUSAL_ATTRIBUTE, provider_unreachable("the token request failed"))
        return None

    def get_user(self, user_id):
        """The session's user, unless switched off since (the library's version skips that)."""
        user = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def verify_token(self, token, **kwargs):
        return id_token_claims(token, nonce=kwargs.get("nonce"))

    def store_tokens(self, access_token, id_token):
        """Tokens are not kept: the session lasts a shift and needs nothing from them."""

    def get_or_create_user(self, access_token, id_token, payload):
        staff = staff_claims(payload)
        identity = (
            StaffIdentity.objects.select_related("user")
            .filter(issuer=settings.OIDC_ISSUER_URL, subject=staff.subject)
            .first()
        )
        if identity is not None and not identity.user.is_active:
            raise SignInRefused(
                "inactive-user",
                "Your Endless Aisle account is switched off. Ask the back-office team.",
            )
        try:
            user = staff_identity_sign_in(
                issuer=settings.OIDC_ISSUER_URL,
                subject=staff.subject,
                first_name=staff.first_name,
                last_name=staff.last_name,
                email=staff.email,
                roles=staff.roles,
                stores=staff.stores,
            )
        except StaffIdentityConflict as conflict:
            raise SignInRefused(
                "username-taken",
                "A local account already has the name your sign-in would use. Ask the "
                "back-office team to rename or remove it.",
            ) from conflict
        logger.info(
            "oidc sign-in user=%s roles=%s stores=%s",
            user.pk,
            ",".join(sorted(role.name for role in staff.roles)),
            ",".join(store.code for store in staff.stores),
        )
        return user
