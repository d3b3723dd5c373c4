"""`make chaos`: the steady load while the services under it fail, one fault at a time.

A PostgreSQL cluster, a Redis and a Celery worker of the run's own (bench.load.stack), so that
they can be restarted and killed; gunicorn and Locust as for `make load`, with every simulated
student sending each change again, under the same id, until the server answers it (as the exam
page's outbox does). The faults, spread over the run:

- postgres: the cluster stopped (fast shutdown) and started again 5 s later;
- redis: stopped for 15 s, while a group of students end their blocks (their reports cannot be
  queued), then started; the reconcile catches the reports up;
- pool-child: the worker's pool child killed while it recomputes a batch of reports;
- worker: the whole worker killed in the same way, and a new one started;
- deadline: a group of blocks' deadlines pass mid-load.

Afterwards: every acknowledged change stored once; server errors only inside an outage (and a
few seconds after, while connections are made again); changes refused (409) only on blocks
whose time was up; every report queued before a kill recomputed, nothing left due, and the
reports equal to a full rebuild.

    python -m bench.load.chaos                                  # everything, 5 minutes
    python -m bench.load.chaos --profile tiny --seconds 30 --faults redis   # the CI smoke
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.harness import RESULTS_DIR, code_version, setup_django, throwaway_database
from bench.load.stack import BASE_DIR, PrivatePostgres, PrivateRedis, Worker, work_dir

SETTINGS = "bench.load.settings"
FAULTS = ("postgres", "redis", "pool-child", "worker", "deadline")
POSTGRES_DOWN_SECONDS = 5
REDIS_DOWN_SECONDS = 15
WORKER_DOWN_SECONDS = 3
# After a service is back, each web process makes its connections again on its next request.
SETTLE_SECONDS = 5
GROUP = 100  # students who end their blocks during the Redis outage; blocks whose time runs out
TASKS = 300  # reports queued before a kill
DEADLINE_AFTER_SECONDS = 5
WAIT_SECONDS = 180


@dataclass
class Fault:
    name: str
    began: float  # epoch seconds
    ended: float  # the service answering again (a kill: the moment of the kill)
    detail: dict = field(default_factory=dict)
    held: bool = True

    def covers(self, moment: float) -> bool:
        return self.began - 1 <= moment <= self.ended + SETTLE_SECONDS


@dataclass
class Run:
    """What the faults need: the services, the load's students and who plays which part."""

    postgres: PrivatePostgres
    redis: PrivateRedis
    worker: Worker
    host: str
    targets: list[dict]
    enders: list[dict]  # end their blocks while Redis is down
    late: list[dict]  # their blocks' deadlines pass mid-load
    recomputed: dict[str, list[int]]  # by kill: the students whose reports it interrupts


# --- Faults ----------------------------------------------------------------------------------


def restart_postgres(run: Run) -> Fault:
    from django.db import connection

    began = time.time()
    run.postgres.stop()
    time.sleep(POSTGRES_DOWN_SECONDS)
    run.postgres.start()
    connection.close()  # this process's own connection died with the server
    return Fault("postgres", began, time.time(), {"down_seconds": POSTGRES_DOWN_SECONDS})


def stop_start_redis(run: Run) -> Fault:
    """Students end their blocks while Redis is down: each end is saved and its report marked
    due in the database; once Redis is back, the reconcile (beat's every five minutes, sent
    here at once) recomputes them all."""
    from apps.analytics.tasks import reports_reconcile_task

    began = time.time()
    run.redis.stop()
    with ThreadPoolExecutor(max_workers=20) as pool:  # a class ending together, not in a queue
        ended = list(pool.map(lambda target: _end_block(run.host, target), run.enders))
    time.sleep(max(0.0, began + REDIS_DOWN_SECONDS - time.time()))
    run.redis.start()
    back = time.time()
    _sent(reports_reconcile_task)
    users = _users_of(run.enders)
    caught_up = _wait_for(lambda: not _due(users), WAIT_SECONDS)
    detail = {
        "down_seconds": round(back - began, 1),
        "blocks_ended_while_down": sum(status == 200 for status in ended),
        "blocks_to_end": len(run.enders),
        "reports_caught_up_seconds": round(caught_up - back, 1) if caught_up else None,
    }
    held = detail["blocks_ended_while_down"] == len(run.enders) and caught_up is not None
    return Fault("redis", began, back, detail, held)


def kill_pool_child(run: Run) -> Fault:
    queued_at = _queue_reports(run.recomputed["pool-child"])
    run.worker.kill_pool_child()
    killed = time.time()
    return Fault("pool-child", killed, killed, {"queued_at": queued_at})


def kill_worker(run: Run) -> Fault:
    queued_at = _queue_reports(run.recomputed["worker"])
    began = time.time()
    run.worker.kill()
    time.sleep(WORKER_DOWN_SECONDS)
    run.worker.start()
    return Fault("worker", began, time.time(), {"queued_at": queued_at})


def pass_deadlines(run: Run) -> Fault:
    from datetime import UTC, datetime

    from apps.blocks.clock import GRACE
    from apps.blocks.models import Block

    deadline = time.time() + DEADLINE_AFTER_SECONDS
    Block.objects.filter(public_id__in=[t["block"] for t in run.late]).update(
        deadline=datetime.fromtimestamp(deadline, UTC)
    )
    grace_ends = deadline + GRACE.total_seconds()
    return Fault("deadline", deadline, grace_ends, {"deadline": deadline})


FAULT_STEPS = {
    "postgres": restart_postgres,
    "redis": stop_start_redis,
    "pool-child": kill_pool_child,
    "worker": kill_worker,
    "deadline": pass_deadlines,
}


def _end_block(host: str, target: dict) -> int:
    request = urllib.request.Request(  # noqa: S310  our own server on 127.0.0.1
        f"{host}/api/v1/blocks/{target['block']}/end/",
        method="POST",
        headers={"Authorization": f"Bearer {target['token']}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def _sent(task, *args) -> None:
    """Queue a task, again if the broker connection was lost with the Redis that restarted."""
    for _ in range(10):
        try:
            task.delay(*args)
            return
        except Exception:  # kombu's errors vary by transport
            time.sleep(0.5)
    raise RuntimeError(f"Could not queue {task.name} on the restarted broker.")


def _queue_reports(user_ids: list[int]) -> float:
    """Queue a report recompute for each student; return once the worker has finished the
    first, so that it is in the middle of the batch."""
    from apps.analytics.tasks import report_recompute_task

    queued_at = time.time()
    for user_id in user_ids:
        _sent(report_recompute_task, user_id)
    _wait_for(lambda: _recomputed_since(user_ids, queued_at) > 0, WAIT_SECONDS)
    return queued_at


def _recomputed_since(user_ids: list[int], moment: float) -> int:
    from datetime import UTC, datetime

    from apps.analytics.models import Report

    since = datetime.fromtimestamp(moment, UTC)
    return Report.objects.filter(user_id__in=user_ids, computed_at__gte=since).count()


def _due(user_ids: list[int] | None = None) -> int:
    """Reports marked due and not yet recomputed (these students', or anyone's)."""
    from apps.blocks.models import ReportDue

    due = ReportDue.objects.all()
    return (due.filter(user_id__in=user_ids) if user_ids is not None else due).count()


def _users_of(targets: list[dict]) -> list[int]:
    from apps.blocks.models import Block

    blocks = [target["block"] for target in targets]
    return list(Block.objects.filter(public_id__in=blocks).values_list("user_id", flat=True))


def _wait_for(predicate, seconds: float) -> float | None:
    """When the predicate first held (epoch seconds), or None if it did not within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return time.time()
        time.sleep(0.5)
    return None


# --- After the run ---------------------------------------------------------------------------


def settle(faults: list[Fault]) -> int:
    """Once every grace period has run out, the minute's sweep ends the blocks no request
    ended and the reconcile recomputes what was left due; the reports still due after
    waiting for that (0 is caught up)."""
    from apps.analytics.tasks import reports_reconcile_task
    from apps.blocks.services import blocks_apply_time

    time.sleep(max(0.0, max((f.ended for f in faults), default=0) + 1 - time.time()))
    blocks_apply_time()
    _sent(reports_reconcile_task)
    _wait_for(lambda: _due() == 0, WAIT_SECONDS)
    return _due()


def reports_equal_rebuild() -> bool:
    """Every report as the worker left it, against a full rebuild from the blocks."""
    from apps.analytics import services
    from apps.analytics.models import ReportCell

    def cells():
        return sorted(
            ReportCell.objects.values_list(
                "user_id", "axis", "code", "first_pass", "feedback", "seen", "correct", "omitted"
            )
        )

    before = cells()
    services.reports_rebuild()
    return before == cells()


def judge_kill(fault: Fault, user_ids: list[int]) -> None:
    """Every report queued before the kill was recomputed after it was queued: the task the
    kill interrupted ran again."""
    recomputed = _recomputed_since(user_ids, fault.detail["queued_at"])
    fault.detail.update(reports_queued=len(user_ids), reports_recomputed=recomputed)
    fault.held = recomputed == len(user_ids)


def judge_deadline(fault: Fault, run: Run, sent: list[dict]) -> None:
    """Changes sent before the grace period ran out kept, none stored after it, every block
    ended on its deadline."""
    from datetime import UTC, datetime

    from apps.blocks.models import Block, Change

    blocks = {target["block"] for target in run.late}
    mine = [entry for entry in sent if entry["block"] in blocks]
    grace_ends = datetime.fromtimestamp(fault.ended, UTC)
    stored_late = Change.objects.filter(
        block__public_id__in=blocks, received_at__gt=grace_ends
    ).count()
    expired = Block.objects.filter(
        public_id__in=blocks, status=Block.Status.ENDED, end_reason=Block.EndReason.EXPIRED
    ).count()
    fault.detail.update(
        kept_in_grace=sum(
            1 for e in mine if e["status"] // 100 == 2 and fault.began <= e["at"] <= fault.ended
        ),
        refused_late=sum(1 for e in mine if e["status"] == 409),
        stored_after_grace=stored_late,
        blocks_expired=expired,
        blocks=len(blocks),
    )
    fault.held = stored_late == 0 and expired == len(blocks)


def closed_at(run: Run, faults: list[Fault]) -> dict[str, float]:
    """When each block stopped taking changes: ended by its student, or its deadline passed."""
    closed = {}
    for fault in faults:
        if fault.name == "redis":
            closed |= {target["block"]: fault.began for target in run.enders}
        if fault.name == "deadline":
            closed |= {target["block"]: fault.began for target in run.late}
    return closed


def _failures(sent: list[dict]) -> list[float]:
    """When each failed attempt was answered, over every change sent."""
    from bench.load.check import failed_attempts

    return [moment for entry in sent for moment in failed_attempts(entry)]


def errors_outside(sent: list[dict], faults: list[Fault]) -> int:
    return sum(not any(f.covers(moment) for f in faults) for moment in _failures(sent))


def errors_within(sent: list[dict], fault: Fault) -> int:
    return sum(fault.covers(moment) for moment in _failures(sent))


def refused_while_open(sent: list[dict], closed: dict[str, float]) -> int:
    """Changes refused (409) on a block that was still open when they were answered."""
    return sum(
        1
        for entry in sent
        if entry["status"] == 409 and entry["at"] < closed.get(entry["block"], float("inf"))
    )


def recovered_in(sent: list[dict], fault: Fault) -> float | None:
    """Seconds from the service answering again to the first change saved after it."""
    answered = [e["at"] for e in sent if e["status"] // 100 == 2 and e["at"] >= fault.ended]
    return round(min(answered) - fault.ended, 2) if answered else None


# --- The run ---------------------------------------------------------------------------------


def schedule(faults: list[str], seconds: int) -> list[tuple[float, str]]:
    """Each fault's moment after the load starts, spread evenly, the first after the ramp."""
    return [(seconds * (n + 0.5) / (len(faults) + 0.5), name) for n, name in enumerate(faults)]


def parse_arguments() -> argparse.Namespace:
    from bench.profiles import PROFILES

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", choices=sorted(PROFILES), default="class-2k")
    parser.add_argument("--users", type=int, default=2_000, help="students (at most the profile's)")
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--faults", default=",".join(FAULTS), help="comma-separated, in order")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    arguments = parser.parse_args()
    arguments.faults = [name for name in arguments.faults.split(",") if name]
    unknown = set(arguments.faults) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults {sorted(unknown)}; choose from {', '.join(FAULTS)}")
    return arguments


def main() -> None:
    arguments = parse_arguments()
    # Stopped from outside (Ctrl-C, a timeout), still stop every service this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("chaos: stopped"))
    work = work_dir()
    with ExitStack() as services:
        postgres = PrivatePostgres(work)
        postgres.start()
        services.callback(postgres.stop)
        redis = PrivateRedis(work)
        redis.start()
        services.callback(redis.stop)
        os.environ.update(
            DJANGO_SETTINGS_MODULE=SETTINGS,
            DATABASE_URL=postgres.url,
            REDIS_URL=redis.url,
            # A message a killed worker took comes back within seconds, not an hour.
            CELERY_VISIBILITY_TIMEOUT="15",
            CELERY_UNACKED_RESTORE_SECONDS="2",
        )
        setup_django()
        summary = chaos(arguments, work, postgres, redis)
    print(json.dumps(summary, indent=2))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "chaos-postgresql.json").write_text(json.dumps(summary, indent=2))
    if not summary["held"]:
        raise SystemExit("The system did not survive every fault (see above).")


def drive(run: Run, arguments: argparse.Namespace, work: Path) -> list[Fault]:
    """The load for its whole time, with each fault at its moment; the faults, as they went."""
    from bench.load.run import locust_command

    argv, env = locust_command(
        [run.host],
        user_class="Student",
        users=len(run.targets),
        seconds=arguments.seconds,
        work=work,
        closing=True,
    )
    load = subprocess.Popen(argv, cwd=BASE_DIR, env=env)  # noqa: S603
    started = time.monotonic()
    faults = []
    try:
        for moment, name in schedule(arguments.faults, arguments.seconds):
            time.sleep(max(0.0, started + moment - time.monotonic()))
            print(f"{time.monotonic() - started:5.0f} s  fault: {name}", flush=True)
            faults.append(FAULT_STEPS[name](run))
        if load.wait() != 0:
            raise RuntimeError(f"Locust exited with code {load.returncode}.")
    finally:
        if load.poll() is None:
            load.terminate()
            load.wait()
    return faults


def chaos(
    arguments: argparse.Namespace, work: Path, postgres: PrivatePostgres, redis: PrivateRedis
) -> dict:
    from django.utils import timezone

    from apps.analytics.services import reports_rebuild
    from bench import server
    from bench.generator import build
    from bench.load.check import check_changes
    from bench.load.prepare import open_blocks
    from bench.profiles import PROFILES, typical_usernames

    with throwaway_database("chaos"):
        build(arguments.profile)
        reports_rebuild()  # every report current before the faults, so that all can be compared
        students = typical_usernames(PROFILES[arguments.profile])[: arguments.users]
        prepared = open_blocks(students, work / "targets.json")
        targets = json.loads((work / "targets.json").read_text())
        group = min(GROUP, len(targets) // 4)
        user_ids = _users_of(targets)
        tasks = min(TASKS, len(user_ids) // 2)
        print(f"{prepared:,} students ready; faults: {', '.join(arguments.faults)}")
        since = timezone.now()
        with ExitStack() as stack:
            worker_env = {**os.environ, "DATABASE_URL": server.database_url()}
            worker = Worker(env=worker_env, log=work / "worker.log")
            worker.start()
            stack.callback(worker.stop)
            host = stack.enter_context(
                server.gunicorn(workers=arguments.workers, settings=SETTINGS)
            )
            run = Run(
                postgres=postgres,
                redis=redis,
                worker=worker,
                host=host,
                targets=targets,
                enders=targets[:group],
                late=targets[group : 2 * group],
                recomputed={
                    "pool-child": user_ids[:tasks],
                    "worker": user_ids[tasks : 2 * tasks],
                },
            )
            faults = drive(run, arguments, work)
            due_after = settle(faults)  # the worker still running
        sent = [json.loads(line) for line in (work / "sent.jsonl").read_text().splitlines()]
        for fault in faults:
            if fault.name in ("pool-child", "worker"):
                judge_kill(fault, run.recomputed[fault.name])
            if fault.name == "deadline":
                judge_deadline(fault, run, sent)
            fault.detail["first_save_after_seconds"] = recovered_in(sent, fault)
            fault.detail["server_errors"] = errors_within(sent, fault)
        check = check_changes(work / "sent.jsonl", work / "locust_stats.csv", since=since)
        check.errors_outside_faults = errors_outside(sent, faults)
        refused_open = refused_while_open(sent, closed_at(run, faults))
        equal = reports_equal_rebuild()
    held = (
        check.held and not due_after and equal and not refused_open and all(f.held for f in faults)
    )
    return {
        "profile": arguments.profile,
        "students": prepared,
        "seconds": arguments.seconds,
        "code": code_version(),
        "database": "postgresql",
        **check.as_dict(),
        "refused_while_open": refused_open,
        "reports_left_due": due_after,
        "reports_equal_rebuild": equal,
        "faults": [asdict(fault) for fault in faults],
        "held": held,
    }


if __name__ == "__main__":
    main()
