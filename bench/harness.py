"""Running a benchmark against a throwaway database, and reporting ratios against baselines."""

import json
import os
import platform
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

# Where each benchmark writes its figures; `make bench-smoke` points it elsewhere, so that a
# smoke run's figures never replace the real ones.
RESULTS_DIR = Path(
    os.environ.get("VIGNETTE_BENCH_RESULTS") or Path(__file__).resolve().parent / "results"
).resolve()


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()


@contextmanager
def throwaway_database(name: str = "") -> Iterator[None]:
    """A fresh test database (SQLite file or PostgreSQL test_<name>), dropped afterwards.

    `name` names the PostgreSQL database instead, so that a benchmark neither drops nor is
    dropped by a test run on the same server (SQLite test files are already per process).
    """
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if name and connection.vendor != "sqlite":
        connection.settings_dict["TEST"]["NAME"] = name
    names = setup_databases(verbosity=0, interactive=False)
    try:
        yield
    finally:
        teardown_databases(names, verbosity=0)


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


@dataclass
class Figure:
    name: str
    seconds: float
    baseline: str
    baseline_seconds: float
    target: str
    ratio: float
    # None: a smoke run on data too small for the target to mean anything.
    passed: bool | None
    detail: dict


def code_version() -> str:
    """The commit measured, and whether the app's code differed from it (others may be editing
    the same checkout); BENCH_CODE_VERSION names it where there is no git checkout."""
    base = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607  git from PATH
            cwd=base,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "apps", "config", "templates"],  # noqa: S607
            cwd=base,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return os.environ.get("BENCH_CODE_VERSION", "unknown")
    return f"{commit} (app code modified)" if dirty else commit


def _duration(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.1f} ms"


def report(figures: list[Figure], *, name: str) -> None:
    from django.db import connection

    meta = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code_version(),
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "database": connection.vendor,
    }
    for figure in figures:
        verdict = {True: "pass", False: "MISS", None: "not judged on this profile"}[figure.passed]
        print(
            f"{figure.name}: {_duration(figure.seconds)} vs {figure.baseline} "
            f"{_duration(figure.baseline_seconds)} = {figure.ratio:.2f}x "
            f"(target {figure.target}) {verdict}"
        )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}-{connection.vendor}.json"
    path.write_text(json.dumps({**meta, "figures": [asdict(f) for f in figures]}, indent=2))
    print(f"written to {path.relative_to(RESULTS_DIR.parent.parent)}")
