"""A worker bootstep that records the worker's heartbeat in the database."""

import logging

from celery import bootsteps

logger = logging.getLogger(__name__)


def heartbeat_write(hostname: str) -> None:
    from django.db import DatabaseError, close_old_connections
    from django.utils import timezone

    from apps.core.models import WorkerHeartbeat

    close_old_connections()
    try:
        WorkerHeartbeat.objects.update_or_create(
            hostname=hostname, defaults={"seen_at": timezone.now()}
        )
    except DatabaseError:
        # The database is down; readiness will show the worker as stale, which is the truth.
        logger.warning("Could not write the worker heartbeat for %s", hostname, exc_info=True)


class HeartbeatStep(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.timer_ref = None

    def start(self, worker):
        interval = worker.app.conf.get("worker_heartbeat_seconds", 10)
        heartbeat_write(worker.hostname)
        self.timer_ref = worker.timer.call_repeatedly(
            interval, heartbeat_write, (worker.hostname,), priority=10
        )

    def stop(self, worker):
        if self.timer_ref is not None:
            self.timer_ref.cancel()
            self.timer_ref = None
