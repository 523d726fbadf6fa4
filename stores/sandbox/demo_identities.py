"""The demo users as users of the loopback provider, for `make demo-oidc` and its test."""

import uuid

from django.conf import settings

from stores.demo import DEMO_USERS
from stores.roles import Role
from stores.sandbox.oidc_provider import OidcProvider, ProviderClient, ProviderUser

DEMO_CLIENT_ID = "endless-aisle-demo"
DEMO_CLIENT_SECRET = "demo-client-secret-not-a-secret"  # noqa: S105 - a public demo value
# Fixed subjects, so the demo's provider users stay the same accounts across restarts.
DEMO_SUBJECT_NAMESPACE = uuid.UUID("6f1d3c1e-7a51-4c55-9b1e-2f0f5a3d9e10")


def demo_group(role: Role) -> str:
    """The provider group that OIDC_GROUP_ROLES maps to `role`."""
    for group, key in settings.OIDC_GROUP_ROLES.items():
        if key == role.name.lower():
            return group
    raise ValueError(f"OIDC_GROUP_ROLES maps no group to {role.name.lower()}")


def demo_oidc_provider_start(
    *, app_urls: list[str], password: str, port: int, host: str = "127.0.0.1"
) -> OidcProvider:
    """A provider that knows the demo users (same names and password as the password login)
    and lets the app at `app_urls` sign them in."""
    provider = OidcProvider(host, port)
    provider.add_client(
        ProviderClient(
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
            redirect_uris=[f"{url}/oidc/callback/" for url in app_urls],
            logout_uris=[f"{url}/accounts/login/" for url in app_urls],
        )
    )
    for username, (first_name, last_name, role, store_codes) in DEMO_USERS.items():
        provider.add_user(
            ProviderUser(
                username=username,
                password=password,
                given_name=first_name,
                family_name=last_name,
                groups=[demo_group(role)],
                store_codes=",".join(store_codes),
                sub=str(uuid.uuid5(DEMO_SUBJECT_NAMESPACE, username)),
            )
        )
    return provider


def demo_oidc_environment(provider: OidcProvider) -> dict[str, str]:
    """The environment variables that point the web process at `provider`."""
    return {
        "OIDC_ISSUER_URL": provider.issuer,
        "OIDC_CLIENT_ID": DEMO_CLIENT_ID,
        "OIDC_CLIENT_SECRET": DEMO_CLIENT_SECRET,
        "OIDC_HOSTED_UI_URL": provider.base_url,
    }
