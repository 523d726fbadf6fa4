"""What a verified ID token says about a member of staff: who, which roles, which stores.

Cognito puts the user's groups in `cognito:groups` (ID token only, not userinfo) and custom
attributes as strings, so the stores come as one comma-separated `custom:store_codes`, the
primary store first.
"""

from dataclasses import dataclass

from django.conf import settings

from stores.models import Store
from stores.oidc.refusals import SignInRefused
from stores.roles import Role, role_from_key

GROUPS_CLAIM = "cognito:groups"
STORES_CLAIM = "custom:store_codes"
SHOWN_CODE_LENGTH = 40


@dataclass(frozen=True)
class StaffClaims:
    subject: str
    first_name: str
    last_name: str
    email: str
    roles: set[Role]
    stores: list[Store]


def staff_claims(claims: dict) -> StaffClaims:
    """Read a verified token; SignInRefused if it maps to no role or names an unknown store."""
    return StaffClaims(
        subject=claims["sub"],
        first_name=_text(claims, "given_name") or _text(claims, "name"),
        last_name=_text(claims, "family_name"),
        email=_text(claims, "email"),
        roles=_roles(claims),
        stores=_stores(claims),
    )


def _text(claims: dict, name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


def _roles(claims: dict) -> set[Role]:
    groups = claims.get(GROUPS_CLAIM)
    groups = (
        [group for group in groups if isinstance(group, str)] if isinstance(groups, list) else []
    )
    mapping = settings.OIDC_GROUP_ROLES
    roles = {role_from_key(mapping[group]) for group in groups if group in mapping}
    if not roles:
        held = ", ".join(sorted(groups)) if groups else "none"
        raise SignInRefused(
            "no-role",
            f"Your account has no Endless Aisle role. Its groups ({held}) give none of "
            f"{', '.join(sorted(mapping))}. Ask the back-office team to add you to one of them.",
        )
    return roles


def _stores(claims: dict) -> list[Store]:
    value = claims.get(STORES_CLAIM, "")
    codes = list(dict.fromkeys(code.strip() for code in str(value).split(",") if code.strip()))
    found = Store.objects.in_bulk(codes, field_name="code")
    unknown = [code for code in codes if code not in found]
    if unknown:
        shown = ", ".join(code[:SHOWN_CODE_LENGTH] for code in unknown)
        raise SignInRefused(
            "unknown-store",
            f"Your account names a store Endless Aisle does not know: {shown}. Ask the back-office "
            "team to correct the store codes on your account.",
        )
    return [found[code] for code in codes]
