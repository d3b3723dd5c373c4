"""Queuing work after a commit, in the way this installation runs tasks."""

import logging
import threading

from celery import shared_task
from django.conf import settings
from django.db import connections, transaction
from kombu.exceptions import OperationalError

from apps.core.idempotency import idempotency_keys_purge

logger = logging.getLogger(__name__)


def _run_in_thread(task, args: tuple) -> None:
    try:
        task.apply(args=args, throw=False)
    finally:
        connections.close_all()


def _send(task, args: tuple) -> None:
    if settings.VIGNETTE_TASKS_IN_THREADS:
        # The laptop setup (no broker): run beside the request instead of inside it, so a
        # long job never holds up the page that started it; its progress is in the database.
        threading.Thread(target=_run_in_thread, args=(task, args), daemon=True).start()
        return
    try:
        task.delay(*args)
    except OperationalError:
        # The broker is down. What was saved stays saved; a periodic task picks the work up.
        logger.warning("Could not queue %s%r; it will be retried later.", task.name, args)


def enqueue(task, *args) -> None:
    """Queue `task(*args)` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _send(task, args))


@shared_task(name="core.idempotency_keys_purge")
def idempotency_keys_purge_task() -> None:
    logger.info("Purged %d idempotency keys older than a day.", idempotency_keys_purge())
