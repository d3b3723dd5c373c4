"""The API's rate limits against a real Redis: they count while it answers, and let requests
through (rather than fail them) while it is down."""

import time

import pytest
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from apps.core.throttling import AnonRateThrottle, UserRateThrottle
from config.settings import REDIS_CACHE_OPTIONS

pytestmark = [pytest.mark.services, pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def limited_by_private_redis(settings, private_redis, monkeypatch):
    """Three requests a minute per user and per address, counted in a private Redis."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
    # The test settings turn the limits off; these are the production classes.
    monkeypatch.setattr(APIView, "throttle_classes", [AnonRateThrottle, UserRateThrottle])
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "3/min"})
    return private_redis


def test_rate_limit_counts_in_redis_while_it_answers(api_as, student, limited_by_private_redis):
    client = api_as(student)

    statuses = [client.get(reverse("me")).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_rate_limit_lets_requests_through_while_redis_is_down(
    api_as, student, limited_by_private_redis, caplog
):
    client = api_as(student)
    limited_by_private_redis.stop()

    began = time.monotonic()
    statuses = [client.get(reverse("me")).status_code for _ in range(5)]
    seconds = time.monotonic() - began
    anonymous = client.logout() or client.get(reverse("me")).status_code

    assert statuses == [200] * 5
    assert anonymous == 401  # the anonymous limit, too, did not fail the request
    assert "Rate limit not applied: the cache did not answer" in caplog.text
    assert seconds < 5  # the dead cache is not waited on, nor retried


def test_rate_limit_counts_again_once_redis_is_back(api_as, student, limited_by_private_redis):
    client = api_as(student)
    limited_by_private_redis.stop()
    client.get(reverse("me"))
    limited_by_private_redis.start()

    statuses = [client.get(reverse("me")).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
