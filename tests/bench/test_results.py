from bench.results import TARGETS, _merged, render


def _run(name, seconds, baseline, passed, database="postgresql"):
    return {
        "name": name,
        "seconds": seconds,
        "baseline_seconds": baseline,
        "ratio": seconds / baseline,
        "passed": passed,
        "database": database,
        "date": "2026-11-29T21:05:09+00:00",
        "code": "abc1234",
        "machine": "vm x86_64, 2 cores",
    }


def test_results_table_puts_each_figure_under_its_target_with_its_verdict():
    runs = [
        _run("nightly rebuild (bank-100k)", 46.9, 18.7, True),
        _run("import 10,000 items (native JSON)", 19.3, 5.3, False, database="sqlite"),
        _run("import 10,000 items (native JSON)", 24.9, 11.5, True),
        _run("block_create (40 items, heavy student, tiny)", 0.02, 0.01, None),
    ]

    table = render(runs)

    assert "Machine: vm x86_64, 2 cores." in table
    assert (
        "| nightly full rebuild, bank-100k | sum of the raw aggregates it needs "
        "| ≤ 3× and < 15 min | nightly rebuild (bank-100k), postgresql | 46.90 s | 18.70 s | 2.51× "
        "| pass (2026-11-29, abc1234) |"
    ) in table
    assert "| 19.30 s | 5.30 s | 3.64× | **miss** (2026-11-29, abc1234) |" in table
    assert "| 20.0 ms | 10.0 ms | 2.00× | not judged (profile) (2026-11-29, abc1234) |" in table
    assert "| change endpoint throughput | minimal Django view" in table
    assert table.count("| not run |") == 5  # throughput, recompute, first item, load, chaos
    assert len(TARGETS) == 6


def test_results_table_shows_each_load_run_and_whether_it_held():
    load = {
        "scenario": "steady",
        "servers": 2,
        "students": 2000,
        "seconds": 300,
        "sent": 60000,
        "acknowledged": 60000,
        "lost": 0,
        "duplicated": 0,
        "server_errors": 0,
        "requests_per_second": 199.6,
        "p50_ms": 14,
        "p95_ms": 61,
        "p99_ms": 130,
        "held": True,
        "code": "abc1234",
        "database": "postgresql",
    }

    table = render([], [load])

    assert (
        "| steady | 2 | 2,000 | 300 | 60,000 | 60,000 | 0 | 0 | 0 | 200 | 14 / 61 / 130 ms "
        "| yes (abc1234, postgresql) |"
    ) in table
    assert "| steady | | | | | | | | | | | not run |" in render([])


def test_results_table_shows_each_fault_of_a_chaos_run_and_whether_it_was_survived():
    chaos = {
        "profile": "class-2k",
        "students": 2000,
        "seconds": 300,
        "code": "abc1234",
        "sent": 50000,
        "acknowledged": 49000,
        "lost": 0,
        "duplicated": 0,
        "server_errors": 310,
        "errors_outside_faults": 0,
        "refused_while_open": 0,
        "reports_left_due": 0,
        "reports_equal_rebuild": True,
        "held": False,
        "faults": [
            {
                "name": "postgres",
                "detail": {
                    "down_seconds": 5,
                    "server_errors": 310,
                    "first_save_after_seconds": 0.2,
                },
                "held": True,
            },
            {
                "name": "worker",
                "detail": {
                    "reports_queued": 300,
                    "reports_recomputed": 299,
                    "server_errors": 0,
                    "first_save_after_seconds": 0.1,
                },
                "held": False,
            },
        ],
    }

    table = render([], [], [chaos])

    assert (
        "| PostgreSQL stopped (fast shutdown) and started again | down 5 s | 310 | 0.2 s | yes |"
    ) in table
    assert "| 299 of 300 reports recomputed | 0 | 0.1 s | **no** |" in table
    assert "310 server errors of which 0 outside an outage" in table
    assert "Survived: **no**." in table


def test_results_keep_earlier_figures_that_no_newer_run_replaces():
    earlier = [_run("import 10,000 items", 20, 8, True), _run("nightly rebuild", 46, 19, True)]
    newer = [_run("import 10,000 items", 25, 8, False)]

    merged = _merged(earlier, newer, ("name", "database"))

    assert [(run["name"], run["seconds"]) for run in merged] == [
        ("import 10,000 items", 25),
        ("nightly rebuild", 46),
    ]
