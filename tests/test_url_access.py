"""Every role against every URL: a new page must be added here before the suite passes."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from stores.roles import Role
from tests.conftest import OIDC_BACKEND, oidc_settings

ANONYMOUS = "anonymous"
ROLES = [ANONYMOUS, *Role]
LOGIN = "/accounts/login/"
MANAGER_ACTIONS = ("retry", "redrive", "review", "till_refund", "customer_told", "settle", "cancel")


def everyone(status: int) -> dict:
    return dict.fromkeys(ROLES, status)


def staff_only(anonymous: int, staff: int, others: int) -> dict:
    return {**dict.fromkeys(Role, others), ANONYMOUS: anonymous, Role.MERCHANDISER: staff}


# url name → role → expected status of a GET (302 = sent to log in, or away from the login page)
EXPECTED = {
    "healthz": everyone(200),
    # The HTTPS demo's certificate authority: not found unless `run_demo --https` serves it.
    "demo-ca-certificate": everyone(404),
    # Partners POST signed status updates; no page to GET, for anyone.
    "partner-webhook": everyone(405),
    "login": {**everyone(302), ANONYMOUS: 200},
    "logout": everyone(405),
    "home": {**everyone(200), ANONYMOUS: 302},
    "store-switch": {**everyone(405), ANONYMOUS: 302},
    "catalog:partners": {
        ANONYMOUS: 302,
        Role.ASSOCIATE: 403,
        Role.MANAGER: 200,
        Role.MERCHANDISER: 200,
        Role.KIOSK: 403,
    },
    "catalog:scan": {
        ANONYMOUS: 302,
        Role.ASSOCIATE: 200,
        Role.MANAGER: 200,
        Role.MERCHANDISER: 403,
        Role.KIOSK: 403,
    },
    # No partner is live here, so the page asks nobody (partner calls are in tests/catalog).
    "catalog:product": {
        ANONYMOUS: 302,
        Role.ASSOCIATE: 200,
        Role.MANAGER: 200,
        Role.MERCHANDISER: 403,
        Role.KIOSK: 200,
    },
    # Carts: associates and managers of a store; never kiosks ("never carts of others").
    **{
        f"catalog:{name}": {
            ANONYMOUS: 302,
            Role.ASSOCIATE: 200,
            Role.MANAGER: 200,
            Role.MERCHANDISER: 403,
            Role.KIOSK: 403,
        }
        for name in ("cart", "carts-parked")
    },
    **{
        f"catalog:{name}": {
            ANONYMOUS: 302,
            Role.ASSOCIATE: 405,
            Role.MANAGER: 405,
            Role.MERCHANDISER: 403,
            Role.KIOSK: 403,
        }
        for name in (
            "cart-add",
            "cart-line-quantity",
            "cart-line-remove",
            "cart-park",
            "cart-resume",
        )
    },
    # Checkout: associates and managers of a store, never kiosks. With no cart, the page sends
    # them back to the cart; a confirmation of an order not at their store is not found.
    "checkout:checkout": {
        ANONYMOUS: 302,
        Role.ASSOCIATE: 302,
        Role.MANAGER: 302,
        Role.MERCHANDISER: 403,
        Role.KIOSK: 403,
    },
    "checkout:confirmation": {
        ANONYMOUS: 302,
        Role.ASSOCIATE: 404,
        Role.MANAGER: 404,
        Role.MERCHANDISER: 403,
        Role.KIOSK: 403,
    },
    "catalog:similar": {
        ANONYMOUS: 302,
        Role.ASSOCIATE: 200,
        Role.MANAGER: 200,
        Role.MERCHANDISER: 403,
        Role.KIOSK: 200,
    },
    "catalog:search": {
        ANONYMOUS: 302,
        Role.ASSOCIATE: 200,
        Role.MANAGER: 200,
        Role.MERCHANDISER: 403,
        Role.KIOSK: 200,
    },
    # Product images, for whoever browses the catalogue; a token the server did not sign is
    # no image.
    "catalog:image": {
        ANONYMOUS: 302,
        Role.ASSOCIATE: 404,
        Role.MANAGER: 404,
        Role.MERCHANDISER: 403,
        Role.KIOSK: 404,
    },
    # Calling an associate is a POST (a GET is refused) for whoever browses the catalogue.
    "catalog:assistance-request": {
        ANONYMOUS: 302,
        Role.ASSOCIATE: 405,
        Role.MANAGER: 405,
        Role.MERCHANDISER: 403,
        Role.KIOSK: 405,
    },
    # Marking a request handled is for store staff only, never a kiosk.
    "catalog:assistance-handled": {
        ANONYMOUS: 302,
        Role.ASSOCIATE: 405,
        Role.MANAGER: 405,
        Role.MERCHANDISER: 403,
        Role.KIOSK: 403,
    },
    # Orders: staff of a store (never kiosks); the attention list is the managers'.
    **{
        f"orders:{name}": {
            ANONYMOUS: 302,
            Role.ASSOCIATE: 200,
            Role.MANAGER: 200,
            Role.MERCHANDISER: 403,
            Role.KIOSK: 403,
        }
        for name in ("list", "lookup")
    },
    # An order of no store here: not found, exactly like another store's order.
    **{
        f"orders:{name}": {
            ANONYMOUS: 302,
            Role.ASSOCIATE: 404,
            Role.MANAGER: 404,
            Role.MERCHANDISER: 403,
            Role.KIOSK: 403,
        }
        for name in ("order", "receipt")
    },
    "orders:attention": {
        ANONYMOUS: 302,
        Role.ASSOCIATE: 403,
        Role.MANAGER: 200,
        Role.MERCHANDISER: 403,
        Role.KIOSK: 403,
    },
    # A manager's actions on a partner order are POSTs (a GET is refused), for managers only.
    **{
        f"orders:partner_order_{action}": {
            ANONYMOUS: 302,
            Role.ASSOCIATE: 403,
            Role.MANAGER: 405,
            Role.MERCHANDISER: 403,
            Role.KIOSK: 403,
        }
        for action in MANAGER_ACTIONS
    },
    # Store staff mark a pickup parcel received or collected with a POST.
    "orders:pickup_mark": {
        ANONYMOUS: 302,
        Role.ASSOCIATE: 405,
        Role.MANAGER: 405,
        Role.MERCHANDISER: 403,
        Role.KIOSK: 403,
    },
    # Provider sign-in: not found while OIDC is off (the default); with it on, see below.
    "oidc_authentication_init": everyone(404),
    "oidc_authentication_callback": everyone(404),
}

# With OIDC on: the sign-in starts at the provider for anyone; a callback without the provider's
# code and a known state is a refusal page.
EXPECTED_WITH_OIDC = {
    **EXPECTED,
    "oidc_authentication_init": everyone(302),
    "oidc_authentication_callback": everyone(403),
}

# The arguments of URLs that take some.
URL_ARGS = {
    "partner-webhook": ["threadline"],
    "catalog:product": ["04006381333931"],
    "catalog:similar": ["04006381333931"],
    "catalog:image": ["forged"],
    "catalog:assistance-handled": [1],
    "orders:order": ["LDN-01-00001"],
    "orders:receipt": ["LDN-01-00001"],
    **{f"orders:partner_order_{action}": [1] for action in MANAGER_ACTIONS},
    "orders:pickup_mark": ["LDN-01-00001", "received"],
    "checkout:confirmation": ["LDN-01-00001"],
}

ADMIN_EXPECTED = {
    "/admin/": staff_only(anonymous=302, staff=200, others=302),
    "/admin/stores/store/": staff_only(anonymous=302, staff=200, others=302),
    "/admin/auth/user/": staff_only(anonymous=302, staff=403, others=302),
    "/admin/auth/group/": staff_only(anonymous=302, staff=403, others=302),
    "/admin/partners/partner/": staff_only(anonymous=302, staff=200, others=302),
    "/admin/partners/partner/add/": staff_only(anonymous=302, staff=200, others=302),
    "/admin/partners/partner/import/": staff_only(anonymous=302, staff=200, others=302),
    "/admin/partners/operationconfig/": staff_only(anonymous=302, staff=200, others=302),
    "/admin/partners/partnercall/": staff_only(anonymous=302, staff=200, others=302),
    # The catalogue: merchandisers keep it, with CSV import and export where it has them.
    **{
        f"/admin/catalog/{model}/{page}": staff_only(anonymous=302, staff=200, others=302)
        for model in (
            "masterproduct",
            "supplieritem",
            "pricingrule",
            "exchangerate",
            "storetaxrate",
        )
        for page in ("", "add/")
    },
    **{
        f"/admin/catalog/{model}/{page}": staff_only(anonymous=302, staff=200, others=302)
        for model in ("masterproduct", "supplieritem", "exchangerate")
        for page in ("import/", "export/")
    },
    # Login lockouts: unlocking is for superusers and whoever is given the permission.
    "/admin/axes/accessattempt/": staff_only(anonymous=302, staff=403, others=302),
    "/admin/axes/accesslog/": staff_only(anonymous=302, staff=403, others=302),
    "/admin/axes/accessfailurelog/": staff_only(anonymous=302, staff=403, others=302),
}


def named_urls(resolver: URLResolver, prefix: str = "") -> set[str]:
    """Every URL name as `reverse` takes it, with its app's namespace ("catalog:partners")."""
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                namespace = f"{pattern.namespace}:" if pattern.namespace else ""
                names |= named_urls(pattern, prefix + namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_every_named_url_has_an_access_rule():
    assert named_urls(get_resolver()) == set(EXPECTED)


@pytest.fixture
def client_as(client, user_in_role):
    def login(role):
        if role != ANONYMOUS:
            client.force_login(user_in_role(role))
        return client

    return login


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_role_gets_what_it_may_on_each_page(client_as, role, name):
    response = client_as(role).get(reverse(name, args=URL_ARGS.get(name, ())))

    assert response.status_code == EXPECTED[name][role]
    if response.status_code == 302 and role == ANONYMOUS:
        assert response["Location"].startswith(LOGIN)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(EXPECTED_WITH_OIDC))
def test_with_oidc_on_each_role_gets_what_it_may_on_each_page(
    client, user_in_role, settings, oidc_provider, role, name
):
    oidc_settings(settings, oidc_provider)
    if role != ANONYMOUS:
        client.force_login(user_in_role(role), backend=OIDC_BACKEND)

    response = client.get(reverse(name, args=URL_ARGS.get(name, ())))

    assert response.status_code == EXPECTED_WITH_OIDC[name][role]
    if name == "oidc_authentication_init":
        assert response["Location"].startswith(f"{oidc_provider.base_url}/oauth2/authorize?")
    elif response.status_code == 302 and role == ANONYMOUS:
        assert response["Location"].startswith(LOGIN)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", sorted(ADMIN_EXPECTED))
def test_only_merchandisers_reach_the_admin_and_only_what_they_may(client_as, role, url):
    response = client_as(role).get(url)

    assert response.status_code == ADMIN_EXPECTED[url][role]
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")
