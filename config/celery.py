"""The Celery application: configured from Django's settings (CELERY_* names)."""

import os

from celery import Celery
from celery.schedules import crontab

from apps.core.heartbeat import HeartbeatStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("vignette")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work; one beat process per installation schedules it.
app.conf.beat_schedule = {
    "questions.import_resume": {"task": "questions.import_resume", "schedule": 60.0},
    "core.idempotency_keys_purge": {"task": "core.idempotency_keys_purge", "schedule": 3600.0},
    "blocks.apply_time": {"task": "blocks.apply_time", "schedule": 60.0},
    "analytics.reports_reconcile": {"task": "analytics.reports_reconcile", "schedule": 300.0},
    "analytics.peers_rebuild": {"task": "analytics.peers_rebuild", "schedule": 3600.0},
    "analytics.nightly_rebuild": {
        "task": "analytics.nightly_rebuild",
        "schedule": crontab(hour=3, minute=17),
    },
    "analytics.version_statistics_rebuild": {
        "task": "analytics.version_statistics_rebuild",
        "schedule": 3600.0,
    },
}

# A worker writes a heartbeat row that /healthz/ready reads, so readiness never needs a
# synchronous ping of the worker.
app.steps["worker"].add(HeartbeatStep)
