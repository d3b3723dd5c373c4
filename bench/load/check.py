"""After a load run: every change the simulated students sent, against the database."""

import csv
import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class LoadCheck:
    sent: int
    acknowledged: int  # answered 2xx
    refused: int  # answered 4xx
    server_errors: int  # answered 5xx, or no answer at all
    lost: int  # acknowledged, yet not in the change log
    duplicated: int  # in the change log more than once
    unexpected: int  # in the change log, yet never sent
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def held(self) -> bool:
        return self.sent > 0 and not (self.lost or self.duplicated or self.server_errors)

    def as_dict(self) -> dict:
        return {**asdict(self), "held": self.held}


def check(log: Path, stats: Path) -> LoadCheck:
    """Compare the load tool's log of sent changes with the change log; read its latencies."""
    from apps.blocks.models import Change

    sent = [json.loads(line) for line in log.read_text().splitlines() if line]
    statuses = Counter(entry["status"] // 100 for entry in sent)
    acknowledged = {entry["id"] for entry in sent if entry["status"] // 100 == 2}
    blocks = {entry["block"] for entry in sent}
    logged = Counter(
        str(change_id)
        for change_id in Change.objects.filter(block__public_id__in=blocks).values_list(
            "change_id", flat=True
        )
    )
    sent_ids = {entry["id"] for entry in sent}
    latency = _aggregated_row(stats)
    return LoadCheck(
        sent=len(sent),
        acknowledged=len(acknowledged),
        refused=statuses[4],
        server_errors=statuses[5] + statuses[0],
        lost=len(acknowledged - set(logged)),
        duplicated=sum(1 for count in logged.values() if count > 1),
        unexpected=len(set(logged) - sent_ids),
        requests_per_second=float(latency["Requests/s"]),
        p50_ms=float(latency["50%"]),
        p95_ms=float(latency["95%"]),
        p99_ms=float(latency["99%"]),
    )


def _aggregated_row(stats: Path) -> dict:
    with stats.open() as file:
        rows = list(csv.DictReader(file))
    return next(row for row in rows if row["Name"] == "Aggregated")
