from django.apps import AppConfig
from django.urls import register_converter


class QuestionsConfig(AppConfig):
    name = "apps.questions"
    label = "questions"
    verbose_name = "Question bank"

    def ready(self) -> None:
        from apps.questions.converters import PublicIdConverter

        register_converter(PublicIdConverter, "vq")
