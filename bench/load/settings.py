"""Settings for the load runs: the benchmark settings, but with the real task queue, the real
per-user API throttles and a cache that every web process shares (Redis), as in production."""

from bench.settings import *  # noqa: F403
from config.settings import CACHES as PRODUCTION_CACHES
from config.settings import REST_FRAMEWORK as PRODUCTION_REST_FRAMEWORK

CELERY_TASK_ALWAYS_EAGER = False
CACHES = PRODUCTION_CACHES
REST_FRAMEWORK = PRODUCTION_REST_FRAMEWORK
