"""`make load`: a class of simulated students against the whole stack on this machine.

gunicorn (one web process, or two on two ports with requests alternating between them),
PostgreSQL, Redis and a Celery worker; Locust, headless, drives the students. Logins and blocks
are made before the clock starts. After the run, every change sent is compared with the
database: 0 lost, 0 duplicated, 0 server errors is a held run.

    DATABASE_URL=postgresql://… REDIS_URL=redis://… python -m bench.load.run --seconds 300

Scenario "steady": 2,000 students, each saving one change every 10 ± 3 seconds (about 200
changes a second, three times the pace of the exam), for 5 minutes.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
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


def run_locust(hosts: list[str], *, users: int, seconds: int, work: Path) -> None:
    """Locust, headless, for `seconds` once every student has started."""
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
    subprocess.run(argv, cwd=BASE_DIR, env=env, check=True)  # noqa: S603


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--servers", type=int, choices=(1, 2), default=1)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers per server")
    arguments = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    setup_django()
    from django.conf import settings
    from django.db import connection

    from bench import server
    from bench.generator import build
    from bench.load.check import check
    from bench.load.prepare import open_blocks
    from bench.profiles import PROFILES, typical_usernames

    if not settings.REDIS_URL:
        raise SystemExit("make load needs REDIS_URL: the web processes share a cache and a queue.")
    work = Path(tempfile.mkdtemp(prefix="vignette-load-"))
    with throwaway_database(f"test_load_{os.getpid()}"):
        build(PROFILE)
        students = typical_usernames(PROFILES[PROFILE])[: arguments.users]
        prepared = open_blocks(students, work / "targets.json")
        print(f"{prepared:,} students with an open block; load for {arguments.seconds} s")
        with ExitStack() as stack:
            stack.enter_context(celery_worker(work))
            hosts = [
                stack.enter_context(server.gunicorn(workers=arguments.workers, settings=SETTINGS))
                for _ in range(arguments.servers)
            ]
            run_locust(hosts, users=prepared, seconds=arguments.seconds, work=work)
        result = check(work / "sent.jsonl", work / "locust_stats.csv")
        vendor = connection.vendor
    summary = {
        "scenario": "steady",
        "servers": arguments.servers,
        "students": prepared,
        "seconds": arguments.seconds,
        "code": code_version(),
        "database": vendor,
        **result.as_dict(),
    }
    print(json.dumps(summary, indent=2))
    RESULTS_DIR.mkdir(exist_ok=True)
    name = f"load-steady-{arguments.servers}-servers-{vendor}.json"
    (RESULTS_DIR / name).write_text(json.dumps(summary, indent=2))
    if not result.held:
        raise SystemExit("The load run lost, duplicated or failed changes (see above).")


if __name__ == "__main__":
    main()
