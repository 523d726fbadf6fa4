from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "endless_aisle"
    verbose_name = "Operations"
