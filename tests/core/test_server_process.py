"""The app under gunicorn in its own process, on the test database."""

import json
import urllib.error
import urllib.request

import pytest

from apps.accounts.services import api_token_create
from tests.factories import UserFactory
from tests.fixtures.services import (
    ServerProcess,
    django_child_env,
    free_port,
    port_accepts,
    wait_until,
)

pytestmark = [pytest.mark.services, pytest.mark.integration]

HEALTHY = {"status": "ok", "detail": ""}


def get_json(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """GET `url`; the status and the decoded JSON body, for error statuses too."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310  our own http URL
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


@pytest.mark.django_db(transaction=True)
def test_server_process_answers_healthz(server_process):
    answer = get_json(f"{server_process.url}/healthz")

    assert answer == (200, HEALTHY)


@pytest.mark.django_db(transaction=True)
def test_server_process_serves_rows_from_the_test_database(server_process):
    user = UserFactory(username="alice")
    _, secret = api_token_create(user=user, name="laptop")

    anonymous = get_json(f"{server_process.url}/api/v1/me/")
    signed_in = get_json(
        f"{server_process.url}/api/v1/me/", headers={"Authorization": f"Bearer {secret}"}
    )

    assert anonymous == (
        401,
        {
            "error": {
                "code": "not_authenticated",
                "message": "Authentication credentials were not provided.",
                "fields": {},
            }
        },
    )
    assert signed_in == (
        200,
        {
            "public_id": str(user.public_id),
            "username": "alice",
            "email": "alice@example.org",
            "roles": ["student"],
        },
    )


@pytest.mark.django_db(transaction=True)
def test_server_process_answers_again_after_a_restart(server_process):
    first_pid = server_process.process.pid

    server_process.restart()
    answer = get_json(f"{server_process.url}/healthz")

    assert server_process.process.pid != first_pid
    assert answer == (200, HEALTHY)


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    # A gunicorn whose database file cannot be opened: the process answers, the check fails.
    env = django_child_env(
        ALLOWED_HOSTS="127.0.0.1", DATABASE_URL="sqlite:////nonexistent-directory/db.sqlite3"
    )
    server = ServerProcess(port=free_port(), log_path=tmp_path / "gunicorn.log", env=env)
    server.launch()
    try:
        wait_until(lambda: port_accepts(server.port), 30, "gunicorn to listen")
        response = get_json(f"{server.url}/healthz")
    finally:
        server.stop()

    assert response == (
        503,
        {"status": "error", "detail": "database unreachable: OperationalError"},
    )
