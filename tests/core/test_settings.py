"""Settings read from the environment: strict values, a production that refuses to start unsafe."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int

pytestmark = [pytest.mark.unit]

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE = ROOT / "deploy" / "production.env.sample"


def _sample_environment() -> dict[str, str]:
    values = {}
    for line in SAMPLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "SYSTEMROOT"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_env_bool_refuses_yes(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")

    with pytest.raises(ImproperlyConfigured, match=r"FLAG='yes' is not a boolean"):
        env_bool("FLAG")


@pytest.mark.parametrize(
    ("raw", "value"), [("1", True), ("TRUE", True), ("off", False), ("", False)]
)
def test_env_bool_accepts_plain_words(monkeypatch, raw, value):
    monkeypatch.setenv("FLAG", raw)

    assert env_bool("FLAG") is value


def test_env_int_and_choice_refuse_bad_values(monkeypatch):
    monkeypatch.setenv("COUNT", "ten")
    monkeypatch.setenv("MODE", "closed")

    with pytest.raises(ImproperlyConfigured, match=r"COUNT='ten' is not a whole number\."):
        env_int("COUNT", 1)
    with pytest.raises(ImproperlyConfigured, match=r"MODE='closed' must be one of: open, invite\."):
        env_choice("MODE", ("open", "invite"), "open")


def test_check_deploy_with_https_production_sample_reports_nothing():
    env = {**_sample_environment(), "DATABASE_URL": "sqlite:////tmp/vignette-deploy-check.sqlite3"}

    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_production_without_secret_key_refuses_to_start():
    env = {k: v for k, v in _sample_environment().items() if k != "SECRET_KEY"}

    result = _manage("check", env=env)

    assert result.returncode == 1
    assert "SECRET_KEY is not set. With DEBUG off Vignette refuses to start" in result.stderr


def test_production_without_database_url_refuses_to_start():
    env = {k: v for k, v in _sample_environment().items() if k != "DATABASE_URL"}

    result = _manage("check", env=env)

    assert result.returncode == 1
    assert "DATABASE_URL is not set." in result.stderr
