"""The one place a test may skip: a missing outside service, outside CI only."""

import pytest

from tests import services


def test_a_missing_service_fails_the_test_under_ci(monkeypatch):
    monkeypatch.setattr(services, "IN_CI", True)

    with pytest.raises(pytest.fail.Exception, match="CI needs a Redis server"):
        services.need(False, "a Redis server")


def test_a_missing_service_skips_the_test_elsewhere(monkeypatch):
    monkeypatch.setattr(services, "IN_CI", False)

    with pytest.raises(pytest.skip.Exception, match="needs a Redis server"):
        services.need(False, "a Redis server")


def test_an_available_service_lets_the_test_run(monkeypatch):
    monkeypatch.setattr(services, "IN_CI", True)

    assert services.need(True, "a Redis server") is None
