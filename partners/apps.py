from django.apps import AppConfig
from django.conf import settings

from partners.mapping import MappingLimits, default_limits_set
from partners.mapping.evaluator_pool import PoolSettings, evaluator_pool_configure


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        default_limits_set(MappingLimits(timeout_ms=settings.MAPPING_TIMEOUT_MS))
        evaluator_pool_configure(
            PoolSettings(
                processes=settings.MAPPING_EVALUATOR_PROCESSES,
                memory_mb=settings.MAPPING_EVALUATOR_MEMORY_MB,
                recycle_rss_mb=settings.MAPPING_EVALUATOR_MEMORY_MB // 2,
            )
        )
