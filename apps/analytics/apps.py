from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "apps.analytics"
    label = "analytics"
    verbose_name = "Analytics"

    def ready(self):
        from apps.analytics import receivers  # noqa: F401  connects to the blocks' signals
