"""Which header names a partner configuration may hold, and where.

Fixed headers (`OperationConfig.headers`) and request mappings are stored in plain text and kept
in history, so a header that carries a secret must not be written there: its name is refused
and the message says where it goes instead (the partner's encrypted secret headers). The rule
is by name, case-insensitive; a name is taken for a secret one when it
- contains authorization, cookie, password, passwd, secret, token, apikey, api-key, api_key,
  signature or credential, or
- has "auth" as one of its words (words are separated by -, _ or .), or
- ends in the word "key" (X-Api-Key, Ocp-Apim-Subscription-Key), except an idempotency key,
  which names a request, not a caller.
A rule by name cannot see a secret under an innocent name; it stops the common mistakes.
"""

import re

HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", re.ASCII)  # an RFC 9110 token
# The HTTP client owns framing and routing; a configuration setting these could corrupt requests.
CLIENT_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer"}
)
LINE_BREAKS = re.compile(r"[\r\n\x00]")
PLAIN_TEXT_HEADER_REFUSAL = (
    "looks like it carries a secret, and this is stored in plain text and kept in history: "
    "enter it under Secret headers in the partner's Authentication section (encrypted, never "
    "shown again), or choose the authentication type that sets it"
)

_SECRET_FRAGMENTS = (
    "authorization",
    "cookie",
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "api-key",
    "api_key",
    "signature",
    "credential",
)
_WORD_SEPARATORS = re.compile(r"[-_.]+")


def secret_header_name(name: str) -> bool:
    """Does this header name look like it carries a secret? See the module docstring."""
    lowered = name.lower()
    if any(fragment in lowered for fragment in _SECRET_FRAGMENTS):
        return True
    words = [word for word in _WORD_SEPARATORS.split(lowered) if word]
    if "auth" in words:
        return True
    return bool(words) and words[-1] == "key" and words[-2:] != ["idempotency", "key"]


def header_name_problem(name: str) -> str | None:
    """Why `name` cannot be sent as a header at all, or None."""
    if not HEADER_NAME.fullmatch(name):
        return "is not a valid header name"
    if name.lower() in CLIENT_HEADERS:
        return "is set by the HTTP client and cannot be configured"
    return None
