"""`make load`: a class of simulated students against the whole stack on this machine.

gunicorn (one web process, or two on two ports with requests alternating between them),
PostgreSQL, Redis and a Celery worker; Locust, headless, drives the students. Logins and blocks
are made before the clock starts. After the run, every change sent is compared with the
database: 0 lost, 0 duplicated, 0 server errors is a held run.

    DATABASE_URL=postgresql://… REDIS_URL=redis://… python -m bench.load.run --seconds 300

Scenarios:
- steady: 2,000 students, each saving one change every 10 ± 3 seconds (about 200 changes a
  second, three times the pace of the exam), for 5 minutes;
- start: 1,000 students creating their blocks within 10 seconds, as a class does when a mock
  exam begins;
- deadline: 1,000 students whose blocks' deadlines (moved by a bench-only step) fall together
  20 seconds in, saving a change every 2 to 4 seconds through the grace period and beyond:
  changes in time kept, late ones refused, every block ended and every report recomputed.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.harness import RESULTS_DIR, code_version, setup_django, throwaway_database

PROFILE = "class-2k"
SETTINGS = "bench.load.settings"
BASE_DIR = Path(__file__).resolve().parents[2]


@contextmanager
def celery_worker(log_dir: Path):
    """One worker on the run's database and broker, stopped at the end."""
    from bench.server import database_url

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "DATABASE_URL": database_url()}
    argv = [sys.executable, "-m", "celery", "-A", "config", "worker"]
    argv += ["--pool=prefork", "--concurrency=1", "--loglevel=WARNING"]
    with (log_dir / "worker.log").open("ab") as log:
        process = subprocess.Popen(argv, cwd=BASE_DIR, env=env, stdout=log, stderr=log)  # noqa: S603
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


DEADLINE_AFTER_SECONDS = 20
REPORTS_WAIT_SECONDS = 180


@dataclass(frozen=True)
class Scenario:
    user_class: str  # in locustfile.py
    users: int
    seconds: int
    blocks_open: bool = True  # prepared with an open block, or only a token
    deadline: bool = False


SCENARIOS = {
    "steady": Scenario("Student", users=2_000, seconds=300),
    "start": Scenario("StartingStudent", users=1_000, seconds=30, blocks_open=False),
    "deadline": Scenario("FinishingStudent", users=1_000, seconds=70, deadline=True),
}


def reports_caught_up(students) -> None:
    """After the deadlines: the minute's sweep ends what no request ended, and the worker
    recomputes every report it marked due; waited for, up to REPORTS_WAIT_SECONDS."""
    from apps.blocks.models import ReportDue
    from apps.blocks.services import blocks_apply_time

    blocks_apply_time()
    waited = 0
    while ReportDue.objects.filter(user__username__in=students).exists():
        if waited >= REPORTS_WAIT_SECONDS:
            return
        time.sleep(1)
        waited += 1


def locust_command(
    hosts: list[str], *, user_class: str, users: int, seconds: int, work: Path, closing: bool
) -> tuple[list[str], dict]:
    """Locust, headless, for `seconds`; every student has started within the first tenth.
    `closing`: some blocks' time runs out during the run, so 409 is an answer, not a fault."""
    env = {
        **os.environ,
        "LOAD_TARGETS": str(work / "targets.json"),
        "LOAD_HOSTS": ",".join(hosts),
        "LOAD_LOG": str(work / "sent.jsonl"),
    }
    argv = [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py"))]
    argv += ["--headless", "--users", str(users), "--spawn-rate", str(max(1, users // 10))]
    argv += ["--run-time", f"{seconds}s", "--stop-timeout", "30", "--csv", str(work / "locust")]
    argv += ["--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"]
    argv += ["--expect-closed"] if closing else []
    argv.append(user_class)
    return argv, env


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="steady")
    parser.add_argument("--users", type=int, help="students (the scenario's number if left out)")
    parser.add_argument("--seconds", type=int, help="how long (the scenario's if left out)")
    parser.add_argument("--servers", type=int, choices=(1, 2), default=1)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers per server")
    arguments = parser.parse_args()
    scenario = SCENARIOS[arguments.scenario]
    users = arguments.users or scenario.users
    seconds = arguments.seconds or scenario.seconds
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from bench import server
    from bench.generator import build
    from bench.load.check import check_changes, check_deadlines, check_starts
    from bench.load.prepare import deadlines_in, open_blocks, signed_in
    from bench.profiles import PROFILES, typical_usernames

    if not settings.REDIS_URL:
        raise SystemExit("make load needs REDIS_URL: the web processes share a cache and a queue.")
    work = Path(tempfile.mkdtemp(prefix="vignette-load-"))
    with throwaway_database(f"test_load_{os.getpid()}"):
        build(PROFILE)
        students = typical_usernames(PROFILES[PROFILE])[:users]
        prepare = open_blocks if scenario.blocks_open else signed_in
        prepared = prepare(students, work / "targets.json")
        print(f"{prepared:,} students ready for {arguments.scenario}; load for {seconds} s")
        if scenario.deadline:
            deadlines_in(work / "targets.json", DEADLINE_AFTER_SECONDS)
        since = timezone.now()
        with ExitStack() as stack:
            stack.enter_context(celery_worker(work))
            hosts = [
                stack.enter_context(server.gunicorn(workers=arguments.workers, settings=SETTINGS))
                for _ in range(arguments.servers)
            ]
            argv, env = locust_command(
                hosts,
                user_class=scenario.user_class,
                users=prepared,
                seconds=seconds,
                work=work,
                closing=scenario.deadline,
            )
            subprocess.run(argv, cwd=BASE_DIR, env=env, check=True)  # noqa: S603
            if scenario.deadline:
                reports_caught_up(students)
        check = {"steady": check_changes, "start": check_starts, "deadline": check_deadlines}[
            arguments.scenario
        ]
        result = check(work / "sent.jsonl", work / "locust_stats.csv", since=since)
        vendor = connection.vendor
    summary = {
        "scenario": arguments.scenario,
        "servers": arguments.servers,
        "students": prepared,
        "seconds": seconds,
        "code": code_version(),
        "database": vendor,
        **result.as_dict(),
    }
    print(json.dumps(summary, indent=2))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    name = f"load-{arguments.scenario}-{arguments.servers}-servers-{vendor}.json"
    (RESULTS_DIR / name).write_text(json.dumps(summary, indent=2))
    if not result.held:
        raise SystemExit("The load run lost, duplicated or failed requests (see above).")


if __name__ == "__main__":
    main()
