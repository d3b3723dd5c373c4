"""After a load run: every change the simulated students sent, against the database."""

import csv
import json
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path


@dataclass
class LoadCheck:
    sent: int
    acknowledged: int  # answered 2xx
    refused: int  # answered 4xx
    server_errors: int  # attempts answered 5xx, or not answered at all (retries included)
    lost: int  # acknowledged, yet not in the change log
    duplicated: int  # in the change log more than once
    unexpected: int  # stored, yet never acknowledged
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    unfinished: int = 0  # (deadline) blocks not ended, or reports not recomputed, afterwards
    # (chaos) server errors away from every fault's outage; they, not all errors, are faults
    errors_outside_faults: int | None = None

    @property
    def held(self) -> bool:
        faults = self.lost or self.duplicated or self.counted_errors or self.unfinished
        return self.sent > 0 and not faults

    @property
    def counted_errors(self) -> int:
        """The server errors that fail the run: all of them, or (chaos) those outside an outage."""
        if self.errors_outside_faults is None:
            return self.server_errors
        return self.errors_outside_faults

    def as_dict(self) -> dict:
        return {**asdict(self), "held": self.held}


def _read(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line]


def failed_attempts(entry: dict) -> list[float]:
    """When each attempt at this request failed (a change retried records each one)."""
    if "failures" in entry:
        return entry["failures"]
    return [entry.get("at", 0.0)] if entry["status"] // 100 in (0, 5) else []


def _result(
    sent: list[dict], stats: Path, *, lost: int, duplicated: int, unexpected: int, unfinished=0
):
    statuses = Counter(entry["status"] // 100 for entry in sent)
    latency = _aggregated_row(stats)
    return LoadCheck(
        sent=len(sent),
        acknowledged=statuses[2],
        refused=statuses[4],
        server_errors=sum(len(failed_attempts(entry)) for entry in sent),
        lost=lost,
        duplicated=duplicated,
        unexpected=unexpected,
        requests_per_second=float(latency["Requests/s"]),
        p50_ms=float(latency["50%"]),
        p95_ms=float(latency["95%"]),
        p99_ms=float(latency["99%"]),
        unfinished=unfinished,
    )


def _logged(sent: list[dict], since: datetime) -> Counter:
    from apps.blocks.models import Change

    blocks = {entry["block"] for entry in sent}
    return Counter(
        str(change_id)
        for change_id in Change.objects.filter(
            block__public_id__in=blocks, received_at__gte=since
        ).values_list("change_id", flat=True)
    )


def check_changes(log: Path, stats: Path, *, since: datetime) -> LoadCheck:
    """Every change sent against the change log: each acknowledged one there, once."""
    sent = _read(log)
    acknowledged = {entry["id"] for entry in sent if entry["status"] // 100 == 2}
    logged = _logged(sent, since)
    return _result(
        sent,
        stats,
        lost=len(acknowledged - set(logged)),
        duplicated=sum(1 for count in logged.values() if count > 1),
        unexpected=len(set(logged) - {entry["id"] for entry in sent}),
    )


def check_deadlines(log: Path, stats: Path, *, since: datetime) -> LoadCheck:
    """As for changes, and more: a change refused once time was up (409) is not stored, and
    afterwards every block has ended on its deadline and every report has been recomputed."""
    from apps.analytics.models import Report
    from apps.blocks.models import Block, ReportDue

    sent = _read(log)
    acknowledged = {entry["id"] for entry in sent if entry["status"] // 100 == 2}
    logged = _logged(sent, since)
    blocks = Block.objects.filter(public_id__in={entry["block"] for entry in sent})
    expired = blocks.filter(status=Block.Status.ENDED, end_reason=Block.EndReason.EXPIRED)
    students = blocks.values("user_id")
    recomputed = Report.objects.filter(user_id__in=students, computed_at__gte=since)
    due = ReportDue.objects.filter(user_id__in=students).count()
    return _result(
        sent,
        stats,
        lost=len(acknowledged - set(logged)),
        duplicated=sum(1 for count in logged.values() if count > 1),
        unexpected=len(set(logged) - acknowledged),
        unfinished=(blocks.count() - expired.count()) + (blocks.count() - recomputed.count()) + due,
    )


def check_starts(log: Path, stats: Path, *, since: datetime) -> LoadCheck:
    """Every block creation sent against the blocks created since the run began: each
    acknowledged block there, and no student with a second one (each sent one request, with an
    Idempotency-Key)."""
    from apps.blocks.models import Block

    sent = _read(log)
    acknowledged = {entry["block"] for entry in sent if entry["status"] // 100 == 2}
    stored = Block.objects.filter(
        user__username__in={entry["student"] for entry in sent}, created_at__gte=since
    )
    rows = list(stored.values_list("user__username", "public_id"))
    per_student = Counter(username for username, _ in rows)
    blocks = {str(public_id) for _, public_id in rows}
    return _result(
        sent,
        stats,
        lost=len(acknowledged - blocks),
        duplicated=sum(1 for count in per_student.values() if count > 1),
        unexpected=len(blocks - acknowledged),
    )


def _aggregated_row(stats: Path) -> dict:
    with stats.open() as file:
        rows = list(csv.DictReader(file))
    return next(row for row in rows if row["Name"] == "Aggregated")
