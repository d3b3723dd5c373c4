"""Reports and statistics, each figure a ratio against the raw SQL aggregates it needs, in the
same run.

(a) Recomputing a heavy student's report (100,000 answers) right after a 40-item block, in
    process, median of --runs, each rolled back; against one raw SQL query computing the same
    grouped aggregates for that student. Target: at most 5x.
(b) The nightly rebuild (every report, the peers' benchmarks, every version's statistics)
    against the raw SQL aggregates it needs (per student, per peer group, per version).
    Target: at most 3x, and under 15 minutes.

    DATABASE_URL=postgresql://... python -m bench.analytics_bench --profile bank-100k --no-build
"""

import argparse
import os
import statistics
import time

from bench.harness import Figure, report, setup_django, throwaway_database, timed
from bench.profiles import PROFILES, heavy_usernames

RECOMPUTE_TARGET = 5.0
REBUILD_TARGET = 3.0
REBUILD_LIMIT_SECONDS = 15 * 60

STUDENT_AGGREGATES = """
    SELECT q.exam_id, q.discipline_id, q.system_id, i.pass_number, b.feedback, count(*),
           sum(CASE WHEN i.answer <> '' AND i.correct THEN 1 ELSE 0 END),
           sum(CASE WHEN i.answer = '' THEN 1 ELSE 0 END),
           sum(CASE WHEN i.first_attempt THEN 1 ELSE 0 END),
           sum(CASE WHEN i.first_attempt AND i.answer <> '' AND i.correct THEN 1 ELSE 0 END),
           sum(i.time_spent_seconds)
    FROM blocks_blockitem i
    JOIN blocks_block b ON b.id = i.block_id
    JOIN questions_question q ON q.id = i.question_id
    WHERE i.user_id = %s AND b.status = 'ended'
    GROUP BY q.exam_id, q.discipline_id, q.system_id, i.pass_number, b.feedback"""
# What the nightly rebuild reads, as bare aggregates: every student's, then every version's.
ALL_STUDENTS = STUDENT_AGGREGATES.replace("i.user_id = %s AND ", "i.user_id IS NOT NULL AND ")
ALL_STUDENTS = ALL_STUDENTS.replace("SELECT ", "SELECT i.user_id, ").replace(
    "GROUP BY ", "GROUP BY i.user_id, "
)
EXAM_TOTALS = """
    SELECT b.user_id, q.exam_id, count(*), sum(CASE WHEN i.correct THEN 1 ELSE 0 END)
    FROM blocks_blockitem i JOIN blocks_block b ON b.id = i.block_id
    JOIN questions_question q ON q.id = i.question_id
    WHERE i.first_attempt AND i.pass_number = 1 AND b.status = 'ended'
    GROUP BY b.user_id, q.exam_id"""
VERSION_ROWS = """
    SELECT i.version_id, b.user_id, q.exam_id, i.answer, i.correct, i.time_spent_seconds
    FROM blocks_blockitem i JOIN blocks_block b ON b.id = i.block_id
    JOIN questions_question q ON q.id = i.question_id
    WHERE i.first_attempt AND i.pass_number = 1 AND b.status = 'ended'
    ORDER BY i.version_id"""


def _rolled_back(function) -> float:
    from django.db import transaction

    with transaction.atomic():
        seconds = timed(function)
        transaction.set_rollback(True)
    return seconds


def _raw(sql: str, parameters=()) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        return len(cursor.fetchall())


def _recompute_figure(profile, runs: int) -> Figure:
    from apps.accounts.models import User
    from apps.analytics.services import report_recompute
    from apps.blocks.services import BlockSpec, block_create, block_end

    user = User.objects.get(username=heavy_usernames(profile)[0])
    block = block_create(user=user, spec=BlockSpec(count=40, pools=("all",)))
    block_end(user=user, public_id=block.public_id)

    def service():
        report_recompute(user_id=user.pk)

    def baseline():
        _raw(STUDENT_AGGREGATES, [user.pk])

    for _ in range(2):
        _rolled_back(service)
        _rolled_back(baseline)
    service_times, baseline_times = [], []
    for run in range(runs):
        pairs = [(service, service_times), (baseline, baseline_times)]
        for function, times in pairs if run % 2 == 0 else reversed(pairs):
            times.append(_rolled_back(function))
    seconds, base = statistics.median(service_times), statistics.median(baseline_times)
    print(
        f"(a) report recompute for {user.username} ({profile.heavy_responses:,} answers): "
        f"median {seconds * 1000:.1f} ms; raw aggregates {base * 1000:.1f} ms"
    )
    return Figure(
        name=f"per-student report recompute (heavy student, {profile.name})",
        seconds=seconds,
        baseline="the raw SQL aggregates for that student",
        baseline_seconds=base,
        target=f"<= {RECOMPUTE_TARGET:g}x",
        ratio=seconds / base,
        passed=seconds / base <= RECOMPUTE_TARGET if profile.judged else None,
        detail={
            "service_ms": [round(t * 1000, 2) for t in service_times],
            "baseline_ms": [round(t * 1000, 2) for t in baseline_times],
        },
    )


def _rebuild_figure(profile) -> Figure:
    from apps.analytics import services

    started = time.perf_counter()
    base = sum(
        timed(lambda sql=sql: _raw(sql)) for sql in (ALL_STUDENTS, EXAM_TOTALS, VERSION_ROWS)
    )
    baseline_done = time.perf_counter() - started
    parts = {}
    for name, function in (
        ("reports", services.reports_rebuild),
        ("peers", services.peers_rebuild),
        ("versions", services.version_statistics_rebuild),
    ):
        parts[name] = timed(function)
    seconds = sum(parts.values())
    ratio = seconds / base
    shares = ", ".join(f"{name} {value:.1f} s" for name, value in parts.items())
    print(
        f"(b) nightly rebuild: {seconds:.1f} s ({shares}); "
        f"raw aggregates {base:.1f} s (measured in {baseline_done:.1f} s)"
    )
    return Figure(
        name=f"nightly rebuild ({profile.name})",
        seconds=seconds,
        baseline="the raw SQL aggregates it needs",
        baseline_seconds=base,
        target=f"<= {REBUILD_TARGET:g}x and < 15 min",
        ratio=ratio,
        passed=(ratio <= REBUILD_TARGET and seconds < REBUILD_LIMIT_SECONDS)
        if profile.judged
        else None,
        detail={name: round(value, 2) for name, value in parts.items()},
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", choices=sorted(PROFILES), default="tiny")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-build", action="store_true", help="use the database as it is")
    parser.add_argument("--only", choices=("recompute", "rebuild"))
    arguments = parser.parse_args()
    profile = PROFILES[arguments.profile]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    setup_django()
    from django.db import connection

    from bench.generator import build

    def run() -> None:
        if not arguments.no_build:
            build(profile.name)
        print(f"{connection.vendor} database {connection.settings_dict['NAME']}")
        figures = []
        if arguments.only in (None, "recompute"):
            figures.append(_recompute_figure(profile, arguments.runs))
        if arguments.only in (None, "rebuild"):
            figures.append(_rebuild_figure(profile))
        report(figures, name=f"analytics-{profile.name}")

    if arguments.no_build:
        run()
    else:
        with throwaway_database(f"test_bench_analytics_{os.getpid()}"):
            run()


if __name__ == "__main__":
    main()
