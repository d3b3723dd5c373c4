"""Blocks under load, each figure a ratio against a baseline measured in the same run.

(a) block_create for a heavy student (pools unused + incorrect, 2 disciplines, 2 systems, 40
    items), in process, median of --runs, each rolled back; against ONE raw SQL query picking 40
    random ids with the same pools and filters. Target: at most 2x.
(b) POST /api/v1/blocks/<id>/changes/ (one answer per request, API token) under gunicorn with 2
    workers; against a bench-only DRF view with the same authentication doing one
    INSERT ... ON CONFLICT DO UPDATE. Target: throughput at least 0.5x.

    python -m bench.blocks_bench                      # tiny, SQLite (seconds)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \\
        python -m bench.blocks_bench --profile bank-100k

It builds the profile into a throwaway database (PostgreSQL: test_bench_blocks_<pid>) and
drops it afterwards; --no-build runs against DATABASE_URL's database as it is, already built.
"""

import argparse
import cProfile
import os
import pstats
import random
import statistics
import time
import uuid
from datetime import UTC, datetime

from bench.harness import Figure, report, setup_django, throwaway_database, timed
from bench.profiles import PROFILES, Profile, heavy_usernames, typical_usernames

CREATE_TARGET = 2.0
CHANGES_TARGET = 0.5
POOLS = ("unused", "incorrect")
WARM_UP = 3

# The same choice as block_create's: published questions in the cells whose state for the
# student is missing (unused) or incorrect; QuestionState is unique per (user, pass, question).
RAW_WHERE = """
    FROM questions_question q
    LEFT JOIN blocks_questionstate s
        ON s.user_id = %s AND s.pass_number = %s AND s.question_id = q.id
    WHERE q.status = 'published' AND q.published_version_id IS NOT NULL
      AND q.discipline_id IN (SELECT id FROM questions_discipline WHERE code IN (%s, %s))
      AND q.system_id IN (SELECT id FROM questions_system WHERE code IN (%s, %s))
      AND (s.id IS NULL OR s.status = 'incorrect')"""
RAW_PICK = f"SELECT q.id {RAW_WHERE} ORDER BY random() LIMIT %s"
RAW_COUNT = f"SELECT count(*) {RAW_WHERE}"


# --- (a) Making a block ------------------------------------------------------------------------


def _busiest(name: str) -> tuple[str, str]:
    """The two codes with the most published questions: the tiny bank has enough in them."""
    from django.db.models import Count

    from apps.questions.models import Question

    rows = (
        Question.objects.filter(status=Question.Status.PUBLISHED)
        .values(f"{name}__code")
        .annotate(n=Count("pk"))
        .order_by("-n", f"{name}__code")[:2]
    )
    first, second = (row[f"{name}__code"] for row in rows)
    return first, second


def _rolled_back(function) -> float:
    from django.db import transaction

    with transaction.atomic():
        seconds = timed(function)
        transaction.set_rollback(True)
    return seconds


def _create_figure(profile: Profile, *, runs: int, show_profile: bool) -> Figure:
    from django.db import connection

    from apps.accounts.models import User
    from apps.blocks.services import BlockSpec, block_create

    user = User.objects.get(username=heavy_usernames(profile)[0])
    disciplines, systems = _busiest("discipline"), _busiest("system")
    where = [user.pk, user.current_pass, *disciplines, *systems]
    with connection.cursor() as cursor:
        cursor.execute(RAW_COUNT, where)
        available = cursor.fetchone()[0]
    count = min(40, available)
    spec = BlockSpec(count=count, pools=POOLS, disciplines=disciplines, systems=systems)

    def service() -> None:
        block = block_create(user=user, spec=spec)
        assert block.item_count == count

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute(RAW_PICK, [*where, count])
            assert len(cursor.fetchall()) == count

    for _ in range(WARM_UP):
        _rolled_back(service)
        _rolled_back(baseline)
    service_times, baseline_times = [], []
    for run in range(runs):
        # Alternating which goes first, so that neither always finds the caches the other left.
        pairs = [(service, service_times), (baseline, baseline_times)]
        for function, times in pairs if run % 2 == 0 else reversed(pairs):
            times.append(_rolled_back(function))
    query_ms = _query_times(service)
    seconds = statistics.median(service_times)
    baseline_seconds = statistics.median(baseline_times)
    ratio = seconds / baseline_seconds
    detail = {
        "student": user.username,
        "student_responses": profile.heavy_responses,
        "items": count,
        "available": available,
        "pools": POOLS,
        "disciplines": disciplines,
        "systems": systems,
        "runs": runs,
        "service_ms": _ms(service_times),
        "baseline_ms": _ms(baseline_times),
        "queries": len(query_ms),
        "query_ms": query_ms,
        "query_ms_total": round(sum(query_ms), 2),
    }
    print(
        f"(a) block_create, {count} items for {user.username} ({available:,} available): "
        f"median {seconds * 1000:.1f} ms, {len(query_ms)} statements waited on for "
        f"{sum(query_ms):.1f} ms; raw SQL median {baseline_seconds * 1000:.1f} ms"
    )
    if show_profile:
        _show_profile(service, connection.vendor)
        if connection.vendor == "postgresql":
            _explain_slowest(service)
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN ANALYZE {RAW_PICK}", [*where, count])
                print("\n".join(row[0] for row in cursor.fetchall()))
    return Figure(
        name=f"block_create ({count} items, heavy student, {profile.name})",
        seconds=seconds,
        baseline="one raw SQL query",
        baseline_seconds=baseline_seconds,
        target=f"<= {CREATE_TARGET:g}x",
        ratio=ratio,
        passed=_verdict(ratio <= CREATE_TARGET, profile),
        detail=detail,
    )


def _verdict(met: bool, profile: Profile, *, errors: int = 0) -> bool | None:
    """A failed request always fails; a target is judged only on a profile made for it."""
    if errors:
        return False
    return met if profile.judged else None


def _statements(function) -> list[tuple[float, str, list]]:
    """(milliseconds the client waited, SQL, parameters) of each statement one rolled-back
    call sends."""
    from django.db import connection

    sent = []

    def clock(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sent.append((round((time.perf_counter() - began) * 1000, 2), sql, params))

    with connection.execute_wrapper(clock):
        _rolled_back(function)
    return sent


def _query_times(function) -> list[float]:
    return [milliseconds for milliseconds, _, _ in _statements(function)]


def _explain_slowest(function) -> None:
    """EXPLAIN ANALYZE the slowest SELECT that one rolled-back call sends."""
    from django.db import connection

    selects = [s for s in _statements(function) if s[1].lstrip().upper().startswith("SELECT")]
    _, sql, params = max(selects, key=lambda statement: statement[0])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ANALYZE {sql}", params)
        print("\n".join(row[0] for row in cursor.fetchall()))


def _ms(times: list[float]) -> dict:
    ordered = sorted(times)
    return {
        "median": round(statistics.median(ordered) * 1000, 2),
        "min": round(ordered[0] * 1000, 2),
        "max": round(ordered[-1] * 1000, 2),
    }


def _show_profile(function, vendor: str) -> None:
    profiler = cProfile.Profile()
    for _ in range(10):
        profiler.runcall(_rolled_back, function)
    print(f"cProfile of 10 block_create calls ({vendor}), by cumulative time:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


# --- (b) Saving changes over HTTP --------------------------------------------------------------


def _open_blocks(profile: Profile, students: int) -> list[tuple[str, str, int]]:
    """Open blocks for typical students, each with an API token: (secret, block id, items)."""
    from apps.accounts.models import User
    from apps.accounts.services import api_token_create
    from apps.blocks.services import BlockSpec, block_create

    targets = []
    spec = BlockSpec(count=40, pools=("unused",), exams=("step1",))
    for user in User.objects.filter(username__in=typical_usernames(profile)[:students]):
        block = block_create(user=user, spec=spec)
        _, secret = api_token_create(user=user, name=f"bench {uuid.uuid4().hex[:8]}")
        targets.append((secret, str(block.public_id), block.item_count))
    return targets


def _makers(targets, concurrency: int, path_of, seed: int):
    """One request maker per thread, each over its own students: one request per block at a
    time, as one browser tab saves."""
    from bench.server import json_body

    makers = []
    for index in range(concurrency):
        group = targets[index::concurrency]
        rng = random.Random(f"{seed}:{index}")

        def make(group=group, rng=rng):
            secret, public_id, count = rng.choice(group)
            now = datetime.now(UTC).isoformat()
            change = {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "position": rng.randint(1, count),
                "field": "answer",
                "value": rng.choice("ABCD"),
                "client_time": now,
            }
            headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
            return path_of(public_id), headers, json_body({"client_now": now, "changes": [change]})

        makers.append(make)
    return makers


def _changes_figure(
    profile: Profile, *, requests: int, concurrency: int, students: int, rounds: int
) -> Figure:
    from apps.blocks.models import Change
    from bench import server
    from bench.views import upsert_table_create

    upsert_table_create()
    targets = _open_blocks(profile, students)
    sides = {
        "changes": lambda public_id: f"/api/v1/blocks/{public_id}/changes/",
        "upsert": lambda public_id: f"/bench/upsert/{public_id}/",
    }
    per_thread = max(1, requests // rounds // concurrency)
    logged_before = Change.objects.count()
    results: dict[str, server.LoadResult] = {}
    with server.gunicorn(workers=2) as url:
        for path_of in sides.values():
            # Warm up: imports, database connections, the first requests of each worker.
            warm = server.load(url, _makers(targets, concurrency, path_of, seed=-1), per_thread=10)
            assert warm.errors == 0, warm.error_samples
        for number in range(rounds):
            # Alternating which goes first, so that drift in the machine hits both alike.
            order = list(sides) if number % 2 == 0 else list(reversed(sides))
            for name in order:
                makers = _makers(targets, concurrency, sides[name], seed=number)
                result = server.load(url, makers, per_thread=per_thread)
                results[name] = results[name].merge(result) if name in results else result
    changes, upsert = results["changes"], results["upsert"]
    # Every accepted change is in the log, once (10 warm-up requests per thread included).
    logged = Change.objects.count() - logged_before
    accepted = changes.requests - changes.errors + 10 * concurrency
    ratio = changes.per_second / upsert.per_second
    for name, result in results.items():
        s = result.summary()
        print(
            f"(b) {name:8} {s['requests']:>6,} requests in {s['seconds']:.2f} s = "
            f"{s['requests_per_second']:,.0f}/s; p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, "
            f"p99 {s['p99_ms']} ms; {s['errors']} errors"
        )
    return Figure(
        name=f"change endpoint throughput ({concurrency} clients, 2 workers, {profile.name})",
        seconds=changes.seconds,
        baseline="minimal DRF upsert view (same requests)",
        baseline_seconds=upsert.seconds,
        target=f">= {CHANGES_TARGET:g}x requests/s",
        ratio=ratio,
        passed=_verdict(ratio >= CHANGES_TARGET, profile, errors=changes.errors + upsert.errors),
        detail={
            "changes": changes.summary(),
            "upsert": upsert.summary(),
            "students": len(targets),
            "concurrency": concurrency,
            "rounds": rounds,
            "changes_logged": logged,
            "changes_accepted": accepted,
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", choices=sorted(PROFILES), default="tiny")
    parser.add_argument("--runs", type=int, default=20, help="block_create runs (a)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per side (b)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (b)")
    parser.add_argument("--students", type=int, default=200, help="students saving (b)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds (b)")
    parser.add_argument("--only", choices=("create", "changes"), help="run one benchmark")
    parser.add_argument("--no-build", action="store_true", help="use the database as it is")
    parser.add_argument(
        "--profile-code", action="store_true", help="cProfile and EXPLAIN ANALYZE block_create"
    )
    arguments = parser.parse_args()
    profile = PROFILES[arguments.profile]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    setup_django()
    from django.db import connection

    from bench.generator import build
    from bench.harness import code_version

    def run() -> None:
        database = connection.settings_dict["NAME"]
        print(f"code {code_version()}, {connection.vendor} database {database}")
        if not arguments.no_build:
            counts = build(profile.name)
            print(f"built {profile.name} on {connection.vendor}: {counts}")
        figures = []
        if arguments.only in (None, "create"):
            figures.append(
                _create_figure(profile, runs=arguments.runs, show_profile=arguments.profile_code)
            )
        if arguments.only in (None, "changes"):
            figures.append(
                _changes_figure(
                    profile,
                    requests=arguments.requests,
                    concurrency=arguments.concurrency,
                    students=arguments.students,
                    rounds=arguments.rounds,
                )
            )
        report(figures, name=f"blocks-{profile.name}")

    if arguments.no_build:
        run()
    else:
        # Named per process: two runs at once must not drop each other's database.
        with throwaway_database(f"test_bench_blocks_{os.getpid()}"):
            run()


if __name__ == "__main__":
    main()
