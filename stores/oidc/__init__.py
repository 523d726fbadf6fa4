"""Staff sign-in through an OpenID Connect provider (Amazon Cognito in production).

mozilla-django-oidc runs the authorization code flow (state, nonce, PKCE, the token request);
this package adds what it leaves to us: discovery, a cached JWKS, the ID token checks, and turning
the token's groups and store claim into roles and store memberships.
"""
