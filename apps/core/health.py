"""Health checks: what /healthz and /healthz/ready report."""

from dataclasses import asdict, dataclass, field
from datetime import timedelta

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from apps.core.models import WorkerHeartbeat

OK = "ok"
ERROR = "error"
NOT_CONFIGURED = "not_configured"


@dataclass(frozen=True)
class Check:
    status: str
    detail: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = asdict(self)
        data.update(data.pop("extra"))
        return data


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Check(ERROR, f"database unreachable: {exc.__class__.__name__}")
    return Check(OK)


def redis_check() -> Check:
    if not settings.REDIS_URL:
        return Check(NOT_CONFIGURED, "REDIS_URL is not set; tasks run in the web process.")
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        return Check(ERROR, f"redis unreachable: {exc.__class__.__name__}")
    finally:
        client.close()
    return Check(OK)


def worker_check() -> Check:
    if not settings.REDIS_URL:
        return Check(NOT_CONFIGURED, "No broker; tasks run in the web process.")
    now = timezone.now()
    stale_after = timedelta(seconds=3 * settings.CELERY_WORKER_HEARTBEAT_SECONDS)
    try:
        beats = list(WorkerHeartbeat.objects.order_by("-seen_at")[:20])
    except DatabaseError:
        return Check(ERROR, "worker heartbeats unreadable: the database is unreachable.")
    workers = [
        {
            "hostname": beat.hostname,
            "seconds_since_seen": round((now - beat.seen_at).total_seconds()),
        }
        for beat in beats
    ]
    alive = [beat for beat in beats if now - beat.seen_at <= stale_after]
    if not alive:
        return Check(
            ERROR,
            f"no worker heartbeat in the last {stale_after.seconds} seconds",
            {"workers": workers},
        )
    return Check(OK, f"{len(alive)} worker(s) alive", {"workers": workers})


def readiness() -> tuple[bool, dict]:
    checks = {"database": database_check(), "redis": redis_check(), "worker": worker_check()}
    healthy = all(check.status != ERROR for check in checks.values())
    return healthy, {
        "status": OK if healthy else ERROR,
        "checks": {name: check.as_dict() for name, check in checks.items()},
    }
