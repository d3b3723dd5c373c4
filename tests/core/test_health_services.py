"""/healthz/ready against real services: a Redis that goes down and up, and a real worker."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.core.models import WorkerHeartbeat
from tests.fixtures.services import wait_until

pytestmark = [pytest.mark.services, pytest.mark.integration]

# Later than any real clock, so a heartbeat the session's Celery worker might write into the
# test database meanwhile can only look stale, never make a worker look alive.
FROZEN_NOW = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)

CHECK_OK = {"status": "ok", "detail": ""}


def worker_entry(hostname: str, seconds_since_seen: int) -> dict:
    return {"hostname": hostname, "seconds_since_seen": seconds_since_seen}


@pytest.fixture
def frozen_private_redis(settings, private_redis, time_machine):
    """Readiness against a private Redis, at FROZEN_NOW, with no heartbeat but the test's own."""
    time_machine.move_to(FROZEN_NOW, tick=False)
    settings.REDIS_URL = private_redis.url
    WorkerHeartbeat.objects.all().delete()
    return private_redis


@pytest.mark.django_db
def test_readiness_follows_redis_going_down_and_back_up(client, frozen_private_redis):
    WorkerHeartbeat.objects.create(hostname="w1@box", seen_at=FROZEN_NOW - timedelta(seconds=4))
    worker_ok = {
        "status": "ok",
        "detail": "1 worker(s) alive",
        "workers": [worker_entry("w1@box", 4)],
    }

    while_up = client.get("/healthz/ready")
    frozen_private_redis.stop()
    while_down = client.get("/healthz/ready")
    frozen_private_redis.start()
    when_back = client.get("/healthz/ready")

    healthy = {
        "status": "ok",
        "checks": {"database": CHECK_OK, "redis": CHECK_OK, "worker": worker_ok},
    }
    redis_down = {"status": "error", "detail": "redis unreachable: ConnectionError"}
    assert (while_up.status_code, while_up.json()) == (200, healthy)
    assert (while_down.status_code, while_down.json()) == (
        503,
        {
            "status": "error",
            "checks": {"database": CHECK_OK, "redis": redis_down, "worker": worker_ok},
        },
    )
    assert (when_back.status_code, when_back.json()) == (200, healthy)


@pytest.mark.django_db
def test_readiness_fails_when_the_only_heartbeat_is_stale(client, frozen_private_redis):
    # Three heartbeat intervals (30 s) is the limit; one second more is stale.
    WorkerHeartbeat.objects.create(hostname="w1@box", seen_at=FROZEN_NOW - timedelta(seconds=31))

    response = client.get("/healthz/ready")

    assert (response.status_code, response.json()) == (
        503,
        {
            "status": "error",
            "checks": {
                "database": CHECK_OK,
                "redis": CHECK_OK,
                "worker": {
                    "status": "error",
                    "detail": "no worker heartbeat in the last 30 seconds",
                    "workers": [worker_entry("w1@box", 31)],
                },
            },
        },
    )


@pytest.mark.django_db(transaction=True)
def test_readiness_reports_the_running_celery_worker(client, settings, celery_worker):
    settings.REDIS_URL = celery_worker.broker_url
    # The worker writes a heartbeat when it starts and every interval after; an earlier
    # transactional test may have emptied the table since, so wait up to one interval and more.
    wait_until(
        lambda: WorkerHeartbeat.objects.filter(hostname=celery_worker.hostname).exists(),
        timeout=2 * settings.CELERY_WORKER_HEARTBEAT_SECONDS,
        what=f"a heartbeat from {celery_worker.hostname} (log: {celery_worker.log_path})",
    )

    response = client.get("/healthz/ready")

    body = response.json()
    # The one number that depends on when the worker last wrote, checked by range below.
    seconds = body["checks"]["worker"]["workers"][0]["seconds_since_seen"]
    assert (response.status_code, body) == (
        200,
        {
            "status": "ok",
            "checks": {
                "database": CHECK_OK,
                "redis": CHECK_OK,
                "worker": {
                    "status": "ok",
                    "detail": "1 worker(s) alive",
                    "workers": [worker_entry(celery_worker.hostname, seconds)],
                },
            },
        },
    )
    assert 0 <= seconds <= 3 * settings.CELERY_WORKER_HEARTBEAT_SECONDS


@pytest.mark.django_db(transaction=True)
def test_celery_worker_runs_a_queued_task(celery_worker):
    # celery.accumulate is built into every Celery app and returns its arguments: the smallest
    # round trip through the broker, the worker and the result backend.
    result = celery_worker.app.send_task("celery.accumulate", args=[1, 2], ignore_result=False)

    value = result.get(timeout=20)

    assert value == [1, 2]
