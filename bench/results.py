"""One table of every benchmark's latest figures against the project's targets.

    python -m bench.results      # after any bench target: writes bench/RESULTS.md and .json

Each benchmark writes its figures to bench/results/<name>-<database>.json (bench.harness.report);
this gathers them under the targets they answer, with the machine, date and code they ran on.
"""

import json
from dataclasses import dataclass

from bench.harness import RESULTS_DIR

OUT_MARKDOWN = RESULTS_DIR.parent / "RESULTS.md"
OUT_JSON = RESULTS_DIR.parent / "RESULTS.json"


@dataclass(frozen=True)
class Target:
    what: str
    baseline: str
    target: str
    prefix: str  # the start of the figure names that answer it
    command: str


TARGETS = (
    Target(
        "change endpoint throughput",
        "minimal Django view, authenticated single-row upsert",
        "≥ 0.5×",
        "change endpoint throughput",
        "make bench-blocks PROFILE=bank-100k",
    ),
    Target(
        "create a 40-item block, heavy student (in process)",
        "one raw SQL query for 40 matching ids",
        "≤ 2×",
        "block_create",
        "make bench-blocks PROFILE=bank-100k",
    ),
    Target(
        "per-student report recompute",
        "the raw aggregates for that student",
        "≤ 5×",
        "per-student report recompute",
        "make bench-analytics PROFILE=bank-100k",
    ),
    Target(
        "nightly full rebuild, bank-100k",
        "sum of the raw aggregates it needs",
        "≤ 3× and < 15 min",
        "nightly rebuild",
        "make bench-analytics PROFILE=bank-100k",
    ),
    Target(
        "import 10,000 items",
        "plain bulk_create",
        "≤ 3×",
        "import 10,000 items",
        "make bench-import",
    ),
    Target(
        "first item interactive, CPU ×4 throttled",
        "static page of the same size",
        "≤ 2×",
        "first item interactive",
        "make bench-exam",
    ),
)

VERDICTS = {True: "pass", False: "**miss**", None: "not judged (profile)"}


def _runs() -> list[dict]:
    """Every figure of every benchmark's results file, with the run it came from."""
    runs = []
    for path in sorted(RESULTS_DIR.glob("*.json")):
        run = json.loads(path.read_text())
        for figure in run.get("figures", []):
            runs.append({**{k: v for k, v in run.items() if k != "figures"}, **figure})
    return runs


def _duration(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.1f} ms"


def _rows(target: Target, runs: list[dict]) -> list[str]:
    found = [run for run in runs if run["name"].startswith(target.prefix)]
    if not found:
        return [f"| {target.what} | {target.baseline} | {target.target} | not run | | | | |"]
    return [
        f"| {target.what} | {target.baseline} | {target.target} | {run['name']}, "
        f"{run['database']} | {_duration(run['seconds'])} | "
        f"{_duration(run['baseline_seconds'])} | {run['ratio']:.2f}× | "
        f"{VERDICTS[run['passed']]} ({run['date'][:10]}, {run['code']}) |"
        for run in found
    ]


def _summaries(kind: str) -> list[dict]:
    """Every summary of runs of one kind: `load` (bench.load.run) or `chaos` (bench.load.chaos)."""
    return [json.loads(path.read_text()) for path in sorted(RESULTS_DIR.glob(f"{kind}-*.json"))]


def _load_table(loads: list[dict]) -> list[str]:
    lines = [
        "",
        "## Load held (`make load`)",
        "",
        "Held: no acknowledged request lost, none stored twice, none answered with a server "
        "error; for `deadline`, also changes refused after the grace period not stored, every "
        "block ended on its deadline and every report recomputed by the worker.",
        "",
        "| Scenario | Web processes | Students | Seconds | Requests sent | Acknowledged | Lost "
        "| Duplicated | Server errors | Requests/s | p50 / p95 / p99 | Held (code) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    if not loads:
        return [*lines, "| steady | | | | | | | | | | | not run |"]
    return lines + [
        f"| {run['scenario']} | {run['servers']} | {run['students']:,} | {run['seconds']} "
        f"| {run['sent']:,} | {run['acknowledged']:,} | {run['lost']} | {run['duplicated']} "
        f"| {run['server_errors']} | {run['requests_per_second']:.0f} "
        f"| {run['p50_ms']:.0f} / {run['p95_ms']:.0f} / {run['p99_ms']:.0f} ms "
        f"| {'yes' if run['held'] else '**no**'} ({run['code']}, {run['database']}) |"
        for run in loads
    ]


FAULTS = {
    "postgres": "PostgreSQL stopped (fast shutdown) and started again",
    "redis": "Redis stopped and started; students end blocks meanwhile",
    "pool-child": "Celery pool child killed mid-batch of report recomputes",
    "worker": "whole Celery worker killed mid-batch, a new one started",
    "deadline": "a group of blocks' deadlines pass mid-load",
}


def _fault_outcome(fault: dict) -> str:
    detail = fault["detail"]
    if fault["name"] == "redis":
        return (
            f"{detail['blocks_ended_while_down']} of {detail['blocks_to_end']} blocks ended while "
            f"down; reports caught up {detail['reports_caught_up_seconds']} s after"
        )
    if fault["name"] in ("pool-child", "worker"):
        return f"{detail['reports_recomputed']} of {detail['reports_queued']} reports recomputed"
    if fault["name"] == "deadline":
        return (
            f"{detail['kept_in_grace']} changes kept in grace, {detail['refused_late']} refused "
            f"late (409), {detail['stored_after_grace']} stored late; "
            f"{detail['blocks_expired']} of {detail['blocks']} blocks expired"
        )
    return f"down {detail['down_seconds']} s"


def _chaos_table(runs: list[dict]) -> list[str]:
    lines = [
        "",
        "## Faults survived (`make chaos`)",
        "",
        "During the steady load, one fault at a time, on a PostgreSQL, Redis and Celery worker "
        "of the run's own. Survived: server errors only inside the outage (and 5 s after), the "
        "first change saved soon after, the fault's own check, and for the whole run no "
        "acknowledged change lost or stored twice, no report left due and every report equal "
        "to a full rebuild.",
        "",
        "| Fault | What happened | Server errors in the outage | First save after | Survived |",
        "|---|---|---|---|---|",
    ]
    if not runs:
        return [*lines, "| | | | | not run |"]
    for run in runs:
        for fault in run["faults"]:
            detail = fault["detail"]
            lines.append(
                f"| {FAULTS[fault['name']]} | {_fault_outcome(fault)} | "
                f"{detail.get('server_errors', 0)} | {detail['first_save_after_seconds']} s | "
                f"{'yes' if fault['held'] else '**no**'} |"
            )
        lines += [
            "",
            f"Whole run ({run['profile']}, {run['students']:,} students, {run['seconds']} s, "
            f"{run['code']}): {run['sent']:,} changes sent, {run['acknowledged']:,} "
            f"acknowledged, {run['lost']} lost, {run['duplicated']} duplicated, "
            f"{run['server_errors']} server errors of which {run['errors_outside_faults']} "
            f"outside an outage, {run['refused_while_open']} refused while open; reports left "
            f"due: {run['reports_left_due']}; reports equal a full rebuild: "
            f"{'yes' if run['reports_equal_rebuild'] else '**no**'}. "
            f"Survived: {'yes' if run['held'] else '**no**'}.",
        ]
    return lines


def render(runs: list[dict], loads: list[dict] = (), chaos: list[dict] = ()) -> str:
    machines = sorted({run["machine"] for run in runs}) or ["none yet"]
    lines = [
        "# Benchmark results",
        "",
        "Each figure against its baseline measured in the same run. Absolute times are reported "
        "beside the ratios; they are not pass criteria on a shared machine. Written by "
        "`python -m bench.results` (run by `make bench`) from `bench/results/*.json`.",
        "",
        f"Machine: {', '.join(machines)}.",
        "",
        "| What | Baseline in the same run | Target | Figure, database | Measured | Baseline "
        "| Ratio | Verdict (date, code) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for target in TARGETS:
        lines += _rows(target, runs)
    lines += _load_table(list(loads))
    lines += _chaos_table(list(chaos))
    lines += ["", "How to measure each:", ""]
    for command in dict.fromkeys(target.command for target in TARGETS):
        lines.append(f"- `{command}`")
    lines.append("- `make load` (`SERVERS=2` for two web processes)")
    lines.append("- `make chaos`")
    return "\n".join(lines) + "\n"


def _merged(previous: list[dict], latest: list[dict], key: tuple[str, ...]) -> list[dict]:
    """The figures already in RESULTS.json, each replaced by a newer run of the same thing:
    bench/results/ holds only what ran in this checkout, so one benchmark run again leaves
    the others' figures in place."""
    merged = {tuple(item[part] for part in key): item for item in previous}
    merged |= {tuple(item[part] for part in key): item for item in latest}
    return list(merged.values())


def main() -> None:
    previous = json.loads(OUT_JSON.read_text()) if OUT_JSON.exists() else {}
    runs = _merged(previous.get("benchmarks", []), _runs(), ("name", "database"))
    loads = _merged(
        previous.get("load", []), _summaries("load"), ("scenario", "servers", "database")
    )
    chaos = _merged(previous.get("chaos", []), _summaries("chaos"), ("profile", "database"))
    OUT_MARKDOWN.write_text(render(runs, loads, chaos))
    document = {"benchmarks": runs, "load": loads, "chaos": chaos}
    OUT_JSON.write_text(json.dumps(document, indent=2) + "\n")
    print(f"written to {OUT_MARKDOWN.name} and {OUT_JSON.name} ({len(runs)} figures)")


if __name__ == "__main__":
    main()
