"""Reports survive the faults of the machinery that computes them: the death of the process
running a task (acks_late with task_reject_on_worker_lost puts it back), and a broker that
stops while blocks end (the marks in the database are caught up by the reconcile). Each ends
with the same numbers as the truth."""

import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from apps.analytics import services
from apps.analytics.models import Report, ReportCell
from apps.analytics.tasks import report_recompute_task, reports_reconcile_task
from apps.blocks.models import ReportDue
from config.celery import app
from config.env import redis_url_with_db
from tests.analytics.test_services import _ended
from tests.blocks.conftest import change
from tests.fixtures.services import django_child_env, spawn, terminate, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

TIMEOUT = 90.0


@contextmanager
def _queued_to(broker_url: str):
    """The project's app queues for a real worker on this broker while the test runs."""
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}

    def use(**conf):
        app.conf.update(conf)
        app._pool = None  # connections made for another broker must not be reused
        app.amqp._producer_pool = None

    use(task_always_eager=False, broker_url=broker_url)
    try:
        yield
    finally:
        use(**saved)


def _worker(redis_url: str, markers: Path | None, log_path: Path, **env: str):
    """A worker of the test's own on this Redis; with `markers`, the first run of each
    recompute waits there for the test to kill it."""
    argv = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork"]
    argv += ["--concurrency=1", "--loglevel=INFO", "-n", f"death-{os.getpid()}@%h"]
    argv += ["--include", "tests.analytics.slow_first_run"]
    hold = {"VIGNETTE_TEST_RUN_MARKERS": str(markers)} if markers else {}
    child_env = django_child_env(REDIS_URL=redis_url, **hold, **env)
    return spawn(argv, log_path=log_path, env=child_env)


def _running_pid(markers: Path) -> int:
    def started():
        found = list(markers.glob("started-*"))
        return int(found[0].read_text()) if found and found[0].read_text() else None

    return wait_until(started, TIMEOUT, "the report task to start in the worker")


def _cells(student) -> list[tuple]:
    return sorted(
        ReportCell.objects.filter(user=student).values_list(
            "axis", "code", "first_pass", "feedback", "seen", "correct", "omitted"
        )
    )


def _ended_awaiting_its_report(student, *changes):
    """A block ended (its report computed in this process, tests running tasks eagerly), then
    the report taken away again: only the worker can write it now."""
    _ended(student, *changes)
    Report.objects.all().delete()
    ReportCell.objects.all().delete()


def _truth(student) -> list[tuple]:
    computed = _cells(student)
    services.report_recompute(user_id=student.pk)
    return computed, _cells(student)


def test_report_task_runs_again_when_its_pool_child_is_killed(
    taxonomy, student, bank, private_redis, tmp_path
):
    _ended_awaiting_its_report(student, change(1, "answer", "A"), change(2, "answer", "B"))
    worker = _worker(private_redis.url, tmp_path, tmp_path / "worker.log")
    try:
        with _queued_to(redis_url_with_db(private_redis.url, 15)):
            report_recompute_task.delay(student.pk)
        os.kill(_running_pid(tmp_path), signal.SIGKILL)
        assert not Report.objects.filter(user=student).exists()

        wait_until(
            lambda: Report.objects.filter(user=student).exists(), TIMEOUT, "the report, again"
        )
    finally:
        terminate(worker)

    by_worker, truth = _truth(student)
    assert by_worker == truth
    assert len(truth) > 5
    assert ReportDue.objects.filter(user=student).count() == 0


def test_report_task_comes_back_after_the_whole_worker_is_killed(
    taxonomy, student, bank, private_redis, tmp_path
):
    _ended_awaiting_its_report(student, change(1, "answer", "C"))
    # Shortened, so that the message comes back in seconds, not an hour.
    fast = {"CELERY_VISIBILITY_TIMEOUT": "3", "CELERY_UNACKED_RESTORE_SECONDS": "1"}
    first = _worker(private_redis.url, tmp_path, tmp_path / "first.log", **fast)
    try:
        with _queued_to(redis_url_with_db(private_redis.url, 15)):
            report_recompute_task.delay(student.pk)
        _running_pid(tmp_path)
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its pool child, at once
        first.wait(TIMEOUT)
        assert not Report.objects.filter(user=student).exists()
    finally:
        terminate(first)

    second = _worker(private_redis.url, tmp_path, tmp_path / "second.log", **fast)
    try:
        wait_until(
            lambda: Report.objects.filter(user=student).exists(),
            TIMEOUT,
            "the report from the message the killed worker never acknowledged",
        )
    finally:
        terminate(second)

    by_worker, truth = _truth(student)
    assert by_worker == truth


def test_reports_catch_up_after_the_broker_stops_and_starts_while_blocks_end(
    taxonomy, student, other_student, bank, private_redis, tmp_path
):
    worker = _worker(private_redis.url, None, tmp_path / "worker.log")
    broker = redis_url_with_db(private_redis.url, 15)
    try:
        with _queued_to(broker):
            _ended(student, change(1, "answer", "A"))  # queued, and computed by the worker
            wait_until(lambda: Report.objects.filter(user=student).exists(), TIMEOUT, "report")
            private_redis.stop()
            _ended(other_student, change(1, "answer", "B"))  # the broker is down: marked due
            _ended(student, change(1, "answer", "C"))
            assert set(ReportDue.objects.values_list("user_id", flat=True)) == {
                student.pk,
                other_student.pk,
            }
            private_redis.start()
            reports_reconcile_task.delay()  # what beat sends every five minutes
            wait_until(lambda: not ReportDue.objects.exists(), TIMEOUT, "the reconcile to catch up")
    finally:
        terminate(worker)

    for user in (student, other_student):
        by_worker, truth = _truth(user)
        assert by_worker == truth
    assert Report.objects.get(user=student).items == 6
