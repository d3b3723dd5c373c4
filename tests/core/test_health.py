import socket

import pytest

from apps.core.models import WorkerHeartbeat

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_answers_ok_from_process_and_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "detail": ""}
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_ready_without_redis_reports_tasks_in_process(client, settings):
    settings.REDIS_URL = None

    response = client.get("/healthz/ready")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok", "detail": ""},
            "redis": {
                "status": "not_configured",
                "detail": "REDIS_URL is not set; tasks run in the web process.",
            },
            "worker": {
                "status": "not_configured",
                "detail": "No broker; tasks run in the web process.",
            },
        },
    }


def test_ready_with_redis_down_and_no_worker_is_503(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"

    response = client.get("/healthz/ready")

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "checks": {
            "database": {"status": "ok", "detail": ""},
            "redis": {"status": "error", "detail": "redis unreachable: ConnectionError"},
            "worker": {
                "status": "error",
                "detail": "no worker heartbeat in the last 30 seconds",
                "workers": [],
            },
        },
    }
    assert WorkerHeartbeat.objects.count() == 0
