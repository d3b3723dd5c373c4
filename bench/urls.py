"""The app's URLs plus the baselines that benchmarks compare it with (never served otherwise)."""

from django.urls import include, path

from bench.views import UpsertApi, static_exam
from config.urls import handler400, handler403, handler404, handler500

urlpatterns = [
    path("bench/upsert/<uuid:public_id>/", UpsertApi.as_view(), name="bench_upsert"),
    path("bench/static-exam/<uuid:public_id>/", static_exam, name="bench_static_exam"),
    path("", include("config.urls")),
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
