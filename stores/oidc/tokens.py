"""Verifying an ID token: everything mozilla-django-oidc leaves to us, in one place.

The library checks the signature, expiry and nonce, but not the issuer or the audience, and lets
PyJWT's expiry error escape as a server error. So the whole check is done here: RS256 only, a key
the provider publishes, signature, issuer, audience (our client id), `token_use` (Cognito's mark
of an ID token, so an access token cannot stand in for one), expiry and issue time with a small
leeway for clocks that drift, and the nonce of this sign-in.
"""

import hmac

import jwt
from django.conf import settings

from stores.oidc.provider import signing_key
from stores.oidc.refusals import token_refused

ALGORITHM = "RS256"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat", "token_use"]


def id_token_claims(token: str, *, nonce: str | None) -> dict:
    """The verified claims of an ID token; SignInRefused says what is wrong with it."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        raise token_refused("malformed-token", "the token is not a signed JWT") from error
    if header.get("alg") != ALGORITHM:
        raise token_refused("wrong-algorithm", f"the token is not signed with {ALGORITHM}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise token_refused("unknown-key", "the token does not name its signing key")
    key = signing_key(kid)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=settings.OIDC_RP_CLIENT_ID,
            issuer=settings.OIDC_ISSUER_URL,
            leeway=settings.OIDC_CLOCK_LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS, "strict_aud": False},
        )
    except jwt.InvalidSignatureError as error:
        raise token_refused("bad-signature", "its signature does not match its content") from error
    except jwt.InvalidAudienceError as error:
        raise token_refused("wrong-audience", "it was issued for another application") from error
    except jwt.InvalidIssuerError as error:
        raise token_refused("wrong-issuer", "it was issued by another sign-in service") from error
    except jwt.ExpiredSignatureError as error:
        raise token_refused("expired", "it has expired; check the clocks") from error
    except jwt.ImmatureSignatureError as error:
        raise token_refused(
            "not-yet-valid", "it was issued in the future; check the clocks"
        ) from error
    except jwt.InvalidTokenError as error:
        raise token_refused("invalid-token", f"it is not a valid ID token: {error}") from error
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != settings.OIDC_RP_CLIENT_ID:
        raise token_refused("wrong-audience", "it was issued for several applications")
    if claims["token_use"] != "id":  # noqa: S105 - a claim value, not a secret
        raise token_refused("wrong-token-use", "it is not an ID token")
    if not nonce or not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise token_refused("nonce-mismatch", "it does not belong to this sign-in (nonce)")
    return claims
