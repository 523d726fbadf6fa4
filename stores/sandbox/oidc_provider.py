"""A small, real OpenID Connect provider on loopback, issuing Cognito-shaped tokens.

It speaks HTTP like a Cognito user pool and its hosted UI: discovery and the key set under the
issuer (`/POOL_ID/.well-known/...`), and `/oauth2/authorize`, `/oauth2/token`, `/oauth2/userInfo`
and `/logout` at the hosted-UI address. ID tokens are RS256 JWTs with a `kid`, signed with joserfc
(a JOSE library independent of the PyJWT our app verifies with), and carry `cognito:groups`,
`custom:store_codes` and `token_use`.

The authorization code flow is checked as a provider would: registered client, redirect and
sign-out URIs, client secret (Basic or in the body), single-use codes, and the PKCE verifier.
Tests make it misbehave through the attributes in `Misbehaviour` (another audience or issuer, a
clock moved, a key it does not publish, an earlier nonce, a token altered on the way).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

POOL_ID = "eu-west-1_EndlessAisle"
CODE_LIFETIME_SECONDS = 300
MAX_FORM_BYTES = 64 * 1024


@dataclass
class ProviderUser:
    """A user of the pool. `store_codes` is one string, as Cognito keeps custom attributes."""

    username: str
    password: str
    given_name: str
    family_name: str
    groups: list[str] = field(default_factory=list)
    store_codes: str = ""
    sub: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def email(self) -> str:
        return f"{self.username}@staff.example"


@dataclass
class ProviderClient:
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    logout_uris: list[str]


@dataclass
class Misbehaviour:
    """What a test sets to make the provider issue a token our app must refuse."""

    audience: str | None = None  # `aud` of ID tokens instead of the client id
    issuer: str | None = None  # `iss` of tokens instead of the issuer
    clock_offset_seconds: int = 0  # the provider's clock, moved
    sign_with_unpublished_key: bool = False  # a key that is not in the key set
    replay_previous_nonce: bool = False  # the nonce of the authorization request before
    alter_claims: dict | None = None  # claims changed after signing, keeping the signature


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    username: str
    issued_at: float


class OidcProvider:
    """Serve the provider on a loopback port in a background thread; `stop()` ends it."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.users: dict[str, ProviderUser] = {}
        self.clients: dict[str, ProviderClient] = {}
        # A user already signed in at the hosted UI: authorize answers at once, as Cognito does
        # for a browser that holds its session cookie. None shows the sign-in form.
        self.signed_in_user: str | None = None
        self.misbehaviour = Misbehaviour()
        self.token_lifetime_seconds = 3600
        self.requests: list[str] = []  # "METHOD /path" of every request, for tests
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._nonces: list[str] = []
        self._published_keys: list[RSAKey] = []
        self._signing_key = self._new_key()
        self._published_keys.append(self._signing_key)
        self._unpublished_key = self._new_key()
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        self._server.provider = self  # type: ignore[attr-defined]
        self.base_url = f"http://{host}:{self._server.server_address[1]}"
        self.issuer = f"{self.base_url}/{POOL_ID}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="oidc-provider", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- set-up -------------------------------------------------------------------------------

    def add_user(self, user: ProviderUser) -> ProviderUser:
        self.users[user.username] = user
        return user

    def add_client(self, client: ProviderClient) -> ProviderClient:
        self.clients[client.client_id] = client
        return client

    def rotate_signing_key(self, *, keep_previous: bool = True) -> None:
        """Sign with a new key and publish it; the old one stays published unless told."""
        with self._lock:
            self._signing_key = self._new_key()
            self._published_keys = [
                *(self._published_keys if keep_previous else []),
                self._signing_key,
            ]

    def requests_to(self, path: str) -> int:
        return sum(1 for line in self.requests if line.split(" ", 1)[1].split("?")[0] == path)

    @staticmethod
    def _new_key() -> RSAKey:
        return RSAKey.generate_key(
            2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"}
        )

    # --- endpoints ----------------------------------------------------------------------------

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.base_url}/oauth2/authorize",
            "token_endpoint": f"{self.base_url}/oauth2/token",
            "userinfo_endpoint": f"{self.base_url}/oauth2/userInfo",
            "jwks_uri": f"{self.issuer}/.well-known/jwks.json",
            "end_session_endpoint": f"{self.base_url}/logout",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def key_set(self) -> dict:
        with self._lock:
            return {"keys": [key.as_dict(private=False) for key in self._published_keys]}

    def authorization_problem(self, query: dict[str, str]) -> str | None:
        """Why an authorization request is refused without redirecting back, if it is."""
        client = self.clients.get(query.get("client_id", ""))
        if client is None:
            return "unknown client_id"
        if query.get("redirect_uri") not in client.redirect_uris:
            return "redirect_uri is not registered for this client"
        if query.get("response_type") != "code":
            return "response_type must be code"
        if "openid" not in query.get("scope", "").split():
            return "scope must include openid"
        if query.get("code_challenge") and query.get("code_challenge_method") != "S256":
            return "code_challenge_method must be S256"
        return None

    def issue_code(self, query: dict[str, str], username: str) -> str:
        """The redirect back to the client with a fresh one-time code."""
        code = secrets.token_urlsafe(24)
        with self._lock:
            if query.get("nonce"):
                self._nonces.append(query["nonce"])
            self._codes[code] = _Code(
                client_id=query["client_id"],
                redirect_uri=query["redirect_uri"],
                nonce=query.get("nonce"),
                code_challenge=query.get("code_challenge"),
                username=username,
                issued_at=time.time(),
            )
        answer = {"code": code, **({"state": query["state"]} if "state" in query else {})}
        return f"{query['redirect_uri']}?{urlencode(answer)}"

    def exchange_code(self, form: dict[str, str], authorization: str | None) -> dict:
        """The token endpoint; raises _OAuthError as a provider answers."""
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        if authorization and authorization.startswith("Basic "):
            try:
                decoded = base64.b64decode(authorization[6:]).decode()
            except ValueError as error:
                raise _OAuthError("invalid_client", HTTPStatus.UNAUTHORIZED) from error
            client_id, _, client_secret = decoded.partition(":")
        client = self.clients.get(client_id)
        if client is None or not hmac.compare_digest(client.client_secret, client_secret):
            raise _OAuthError("invalid_client", HTTPStatus.UNAUTHORIZED)
        if form.get("grant_type") != "authorization_code":
            raise _OAuthError("unsupported_grant_type")
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)
        if (
            grant is None
            or grant.client_id != client_id
            or grant.redirect_uri != form.get("redirect_uri")
            or time.time() - grant.issued_at > CODE_LIFETIME_SECONDS
        ):
            raise _OAuthError("invalid_grant")
        if grant.code_challenge is not None:
            verifier = form.get("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if not verifier or not hmac.compare_digest(challenge, grant.code_challenge):
                raise _OAuthError("invalid_grant")
        return self._tokens(self.users[grant.username], client, grant.nonce)

    def _tokens(self, user: ProviderUser, client: ProviderClient, nonce: str | None) -> dict:
        odd = self.misbehaviour
        now = int(time.time()) + odd.clock_offset_seconds
        replayed = odd.replay_previous_nonce and len(self._nonces) > 1
        token_nonce = self._nonces[-2] if replayed else nonce
        common = {
            "sub": user.sub,
            "iss": odd.issuer or self.issuer,
            "auth_time": now,
            "iat": now,
            "exp": now + self.token_lifetime_seconds,
            **({"cognito:groups": user.groups} if user.groups else {}),
        }
        id_claims = {
            **common,
            "aud": odd.audience or client.client_id,
            "token_use": "id",
            "cognito:username": user.username,
            "email": user.email,
            "email_verified": True,
            "given_name": user.given_name,
            "family_name": user.family_name,
            **({"custom:store_codes": user.store_codes} if user.store_codes else {}),
            **({"nonce": token_nonce} if token_nonce else {}),
            "jti": str(uuid.uuid4()),
        }
        access_claims = {
            **common,
            "client_id": client.client_id,
            "token_use": "access",
            "scope": "openid email profile",
            "username": user.username,
            "jti": str(uuid.uuid4()),
        }
        id_token = self._sign(id_claims, unpublished=odd.sign_with_unpublished_key)
        if odd.alter_claims is not None:
            id_token = _altered(id_token, odd.alter_claims)
        return {
            "id_token": id_token,
            "access_token": self._sign(access_claims),
            "token_type": "Bearer",
            "expires_in": self.token_lifetime_seconds,
        }

    def _sign(self, claims: dict, *, unpublished: bool = False) -> str:
        with self._lock:
            key = self._unpublished_key if unpublished else self._signing_key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def userinfo(self, authorization: str | None) -> dict:
        """Cognito's userinfo: the attributes, but not the groups."""
        if not authorization or not authorization.startswith("Bearer "):
            raise _OAuthError("invalid_token", HTTPStatus.UNAUTHORIZED)
        with self._lock:
            keys = list(self._published_keys)
        token = authorization[7:]
        for key in keys:
            try:
                claims = jwt.decode(token, key).claims
                break
            except JoseError:
                continue
        else:
            raise _OAuthError("invalid_token", HTTPStatus.UNAUTHORIZED)
        if claims.get("token_use") != "access" or claims["exp"] < time.time():
            raise _OAuthError("invalid_token", HTTPStatus.UNAUTHORIZED)
        user = self.users[claims["username"]]
        return {
            "sub": user.sub,
            "username": user.username,
            "email": user.email,
            "email_verified": "true",
            "given_name": user.given_name,
            "family_name": user.family_name,
            **({"custom:store_codes": user.store_codes} if user.store_codes else {}),
        }

    def logout_target(self, query: dict[str, str]) -> str | None:
        """Where /logout sends the browser: the client's registered sign-out URI, or None."""
        client = self.clients.get(query.get("client_id", ""))
        if client is None or query.get("logout_uri") not in client.logout_uris:
            return None
        return query["logout_uri"]


class _OAuthError(Exception):
    def __init__(self, error: str, status: int = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(error)
        self.error = error
        self.status = status


def _altered(token: str, changes: dict) -> str:
    """The token with its claims changed and its signature kept: what a tamperer would send."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{encoded}.{signature}"


SIGN_IN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · Endless Aisle staff</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}}
label,input,button{{display:block;width:100%;margin:.3rem 0;font-size:1rem;box-sizing:border-box}}
input,button{{padding:.5rem}}.error{{color:#b42318}}</style></head>
<body><h1>Sign in</h1><p>Loopback identity provider (Cognito-shaped), for the demo and tests.</p>
{error}<form method="post" action="/oauth2/authorize">{hidden}
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit">Sign in</button></form></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    server_version = "LoopbackOIDC/1"

    @property
    def provider(self) -> OidcProvider:
        return self.server.provider  # type: ignore[attr-defined]

    def log_message(self, format: str, *args) -> None:
        """Requests are recorded in `provider.requests`, not printed."""

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        parts = urlsplit(self.path)
        self.provider.requests.append(f"{method} {self.path}")
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        issuer_path = urlsplit(self.provider.issuer).path
        routes = {
            ("GET", f"{issuer_path}/.well-known/openid-configuration"): lambda: self._json(
                self.provider.discovery()
            ),
            ("GET", f"{issuer_path}/.well-known/jwks.json"): lambda: self._json(
                self.provider.key_set()
            ),
            ("GET", "/oauth2/authorize"): lambda: self._authorize(query),
            ("POST", "/oauth2/authorize"): lambda: self._sign_in(self._form()),
            ("POST", "/oauth2/token"): lambda: self._token(self._form()),
            ("GET", "/oauth2/userInfo"): lambda: self._userinfo(),
            ("GET", "/logout"): lambda: self._logout(query),
        }
        route = routes.get((method, parts.path))
        if route is None:
            self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
        else:
            route()

    def _authorize(self, query: dict[str, str]) -> None:
        problem = self.provider.authorization_problem(query)
        if problem:
            self._send(HTTPStatus.BAD_REQUEST, problem.encode(), "text/plain")
        elif self.provider.signed_in_user:
            self._redirect(self.provider.issue_code(query, self.provider.signed_in_user))
        else:
            self._sign_in_page(query, error="")

    def _sign_in(self, form: dict[str, str]) -> None:
        query = {key[6:]: value for key, value in form.items() if key.startswith("oauth_")}
        problem = self.provider.authorization_problem(query)
        if problem:
            self._send(HTTPStatus.BAD_REQUEST, problem.encode(), "text/plain")
            return
        user = self.provider.users.get(form.get("username", ""))
        if user is None or not hmac.compare_digest(user.password, form.get("password", "")):
            self._sign_in_page(query, error="Incorrect username or password.")
            return
        self._redirect(self.provider.issue_code(query, user.username))

    def _sign_in_page(self, query: dict[str, str], *, error: str) -> None:
        hidden = "".join(
            f'<input type="hidden" name="oauth_{html.escape(key)}" value="{html.escape(value)}">'
            for key, value in query.items()
        )
        shown_error = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        page = SIGN_IN_PAGE.format(error=shown_error, hidden=hidden)
        self._send(HTTPStatus.OK, page.encode(), "text/html; charset=utf-8")

    def _token(self, form: dict[str, str]) -> None:
        try:
            tokens = self.provider.exchange_code(form, self.headers.get("Authorization"))
        except _OAuthError as error:
            self._json({"error": error.error}, status=error.status)
            return
        self._json(tokens)

    def _userinfo(self) -> None:
        try:
            self._json(self.provider.userinfo(self.headers.get("Authorization")))
        except _OAuthError as error:
            self._json({"error": error.error}, status=error.status)

    def _logout(self, query: dict[str, str]) -> None:
        target = self.provider.logout_target(query)
        if target is None:
            self._send(HTTPStatus.BAD_REQUEST, b"logout_uri is not registered", "text/plain")
        else:
            self.provider.signed_in_user = None
            self._redirect(target)

    def _form(self) -> dict[str, str]:
        length = min(int(self.headers.get("Content-Length") or 0), MAX_FORM_BYTES)
        body = self.rfile.read(length).decode("utf-8", "replace")
        return {key: values[0] for key, values in parse_qs(body).items()}

    def _json(self, document: dict, *, status: int = HTTPStatus.OK) -> None:
        self._send(status, json.dumps(document).encode(), "application/json")

    def _redirect(self, location: str) -> None:
        self._send(HTTPStatus.FOUND, b"", "text/plain", [("Location", location)])

    def _send(
        self, status: int, body: bytes, content_type: str, headers: list[tuple[str, str]] = ()
    ) -> None:
        """Status line, headers and body in one write, so a keep-alive client never waits on
        Nagle's algorithm (STACK-FACTS: http.server sends headers and body apart)."""
        lines = [
            f"HTTP/1.0 {int(status)} {HTTPStatus(status).phrase}",
            f"Content-Type: {content_type}",
            f"Content-Length: {len(body)}",
            "Cache-Control: no-store",
            "Connection: close",
            *(f"{name}: {value}" for name, value in headers),
        ]
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        self.close_connection = True
