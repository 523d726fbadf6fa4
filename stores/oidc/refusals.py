"""Why a sign-in was refused, in words a member of staff can act on."""

from http import HTTPStatus


class SignInRefused(Exception):
    """Raised anywhere in the sign-in; the callback view shows `message` on the refusal page.

    `reason` is a short stable code for logs and tests; `message` is for the person signing in.
    """

    def __init__(self, reason: str, message: str, *, status: int = HTTPStatus.FORBIDDEN):
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message
        self.status = status


UNVERIFIED_SIGN_IN = (
    "The sign-in could not be verified ({detail}). Nothing was changed. Try again; if it keeps "
    "happening, tell the back-office team the time it happened."
)


def token_refused(reason: str, detail: str) -> SignInRefused:
    return SignInRefused(reason, UNVERIFIED_SIGN_IN.format(detail=detail))


def provider_unreachable(detail: str) -> SignInRefused:
    return SignInRefused(
        "provider-unreachable",
        f"The sign-in service could not be reached ({detail}). Try again in a minute.",
        status=HTTPStatus.BAD_GATEWAY,
    )
