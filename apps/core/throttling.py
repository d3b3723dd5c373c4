"""The API's per-user and per-address rate limits, which let a request through when the cache
that counts does not answer: a rate limit is a courtesy, while refusing a student's answer
because Redis is restarting would lose work."""

import logging

import redis
from rest_framework import throttling

logger = logging.getLogger(__name__)


class _ForgivingMixin:
    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except redis.RedisError as exc:
            logger.warning("Rate limit not applied: the cache did not answer (%s).", exc)
            return True


class AnonRateThrottle(_ForgivingMixin, throttling.AnonRateThrottle):
    """Requests without a user, counted per client address."""


class UserRateThrottle(_ForgivingMixin, throttling.UserRateThrottle):
    """Requests of a signed-in user, counted per user."""
