"""Test settings: the real settings with development defaults, and only what tests need changed."""

import os

# Development defaults (SQLite under var/, console mail, plain static storage) unless the
# environment names real services, as CI does with DATABASE_URL and REDIS_URL.
os.environ["DEBUG"] = "true"
os.environ.setdefault("VIGNETTE_HTTPS", "false")

from config.env import redis_url_with_db
from config.settings import *  # noqa: F403
from config.settings import (
    DATABASES,
    PASSWORD_HASHERS,
    REDIS_URL,
    REST_FRAMEWORK,
    VAR_DIR,
)

DEBUG = False

# A file, not memory, so that a Celery worker or gunicorn started by a test shares it; one per
# run, so that two runs on one machine do not share it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

# Fast hashing; tests of the production hasher name it explicitly.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# Counters must not leak between tests or runs through a shared Redis.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}

# Tasks run in the test's process unless a test asks for the real worker (celery_worker), which
# consumes from a Redis database of its own.
CELERY_TASK_ALWAYS_EAGER = True
VIGNETTE_TASKS_IN_THREADS = False
TEST_CELERY_REDIS_DB = 15
if REDIS_URL:
    CELERY_BROKER_URL = CELERY_RESULT_BACKEND = redis_url_with_db(REDIS_URL, TEST_CELERY_REDIS_DB)

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Serve static files from the apps' folders (no collectstatic) in live servers and gunicorn.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
