"""What the identity provider's endpoints send back is untrusted: a hostile or broken answer is
a clear "could not be reached" refusal, never an error page."""

import pytest

from stores.oidc.provider import provider_document
from stores.oidc.refusals import SignInRefused
from tests.partners.http.local_server import LocalServer, Reply


@pytest.fixture
def answering():
    servers: list[LocalServer] = []

    def start(body: bytes) -> str:
        server = LocalServer(lambda request: Reply(200, body=body))
        servers.append(server)
        return f"{server.base_url}/.well-known/openid-configuration"

    yield start
    for server in servers:
        server.stop()


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "an answer that is not JSON"),
        (b"<html>down for maintenance</html>", "an answer that is not JSON"),
        (b"[1, 2]", "an answer that is not a JSON object"),
    ],
    ids=["nested-100000-deep", "html", "array"],
)
def test_an_unusable_document_is_refused_as_unreachable(answering, body, detail):
    with pytest.raises(SignInRefused) as refused:
        provider_document(answering(body))

    assert refused.value.reason == "provider-unreachable"
    assert detail in str(refused.value)
