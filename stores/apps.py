import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger(__name__)


class StoresConfig(AppConfig):
    name = "stores"
    verbose_name = "Stores and staff"

    def ready(self) -> None:
        # Every process says so at start, so nobody leaves the switch on by accident.
        if settings.BREAK_GLASS_LOGIN:
            logger.warning(
                "BREAK_GLASS_LOGIN is ON: password sign-in is allowed%s. Turn it off "
                "(BREAK_GLASS_LOGIN=false) as soon as the identity provider is back.",
                " beside the identity provider" if settings.OIDC_ENABLED else "",
            )
