"""Writing reports: each a recomputation from the student's ended blocks, never an increment,
so running one twice, or after a lost message, gives the same rows."""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from apps.analytics import statistics
from apps.analytics.models import PeerBenchmark, Report, ReportCell
from apps.blocks.models import Block, BlockItem, ReportDue

AXES = (
    (ReportCell.Axis.EXAM, "question__exam__code"),
    (ReportCell.Axis.DISCIPLINE, "question__discipline__code"),
    (ReportCell.Axis.SYSTEM, "question__system__code"),
)
COUNTS = ("seen", "correct", "omitted", "first_attempts", "first_correct", "seconds")
RECONCILE_BATCH = 200


@dataclass
class _Tally:
    seen: int = 0
    correct: int = 0
    omitted: int = 0
    first_attempts: int = 0
    first_correct: int = 0
    seconds: int = 0

    def add(self, row: dict) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + (row[f"n_{name}"] or 0))


def _rows(user_id: int) -> list[dict]:
    """The student's ended items, counted per exam × discipline × system × basis: one query."""
    answered = ~Q(answer="")
    return list(
        BlockItem.objects.filter(user_id=user_id, block__status=Block.Status.ENDED)
        .values(*(path for _, path in AXES), "pass_number", "block__feedback")
        .annotate(
            # Named apart from the item's own fields (an annotation "correct" would shadow it).
            n_seen=Count("pk"),
            n_correct=Count("pk", filter=answered & Q(correct=True)),
            n_omitted=Count("pk", filter=~answered),
            n_first_attempts=Count("pk", filter=Q(first_attempt=True)),
            n_first_correct=Count("pk", filter=Q(first_attempt=True) & answered & Q(correct=True)),
            n_seconds=Sum("time_spent_seconds"),
        )
        .order_by()
    )


def _cells(user_id: int, rows: list[dict]) -> list[ReportCell]:
    tallies: dict[tuple, _Tally] = defaultdict(_Tally)
    for row in rows:
        basis = (row["pass_number"] == 1, row["block__feedback"])
        tallies[(ReportCell.Axis.OVERALL, "", *basis)].add(row)
        for axis, path in AXES:
            tallies[(axis, row[path], *basis)].add(row)
    return [
        ReportCell(
            user_id=user_id,
            axis=axis,
            code=code,
            first_pass=first_pass,
            feedback=feedback,
            **{name: getattr(tally, name) for name in COUNTS},
        )
        for (axis, code, first_pass, feedback), tally in sorted(tallies.items())
    ]


@transaction.atomic
def report_recompute(*, user_id: int) -> Report:
    """Rewrite the student's report from their ended blocks, and clear the mark that asked
    for it unless a block ended after this began (that one asks again)."""
    started = timezone.now()
    cells = _cells(user_id, _rows(user_id))
    ReportCell.objects.filter(user_id=user_id).delete()
    ReportCell.objects.bulk_create(cells)
    seen = sum(c.seen for c in cells if c.axis == ReportCell.Axis.OVERALL)
    report, _ = Report.objects.update_or_create(
        user_id=user_id, defaults={"computed_at": started, "items": seen}
    )
    ReportDue.objects.filter(user_id=user_id, since__lte=started).delete()
    return report


def reports_reconcile() -> int:
    """Recompute the reports still marked due (a lost or failed task), oldest first, in a
    bounded batch; the number recomputed."""
    due = list(
        ReportDue.objects.order_by("since").values_list("user_id", flat=True)[:RECONCILE_BATCH]
    )
    for user_id in due:
        report_recompute(user_id=user_id)
    return len(due)


@transaction.atomic
def peers_rebuild() -> int:
    """Rewrite every axis value's peer benchmark from all reports' first attempts (every pass
    and feedback: a first attempt happens once); the number of benchmarks written."""
    minimum = settings.VIGNETTE_PEER_MIN_ANSWERS
    rows = (
        ReportCell.objects.values("axis", "code", "user_id")
        .annotate(
            attempts=Sum("first_attempts"),
            right=Sum("first_correct"),
            seen=Sum("seen"),
            seconds=Sum("seconds"),
        )
        .order_by()
    )
    percents: dict[tuple[str, str], list[float]] = defaultdict(list)
    paces: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in rows:
        key = (row["axis"], row["code"])
        if row["attempts"] >= minimum:
            percents[key].append(100 * row["right"] / row["attempts"])
        if row["seen"]:
            paces[key].append(row["seconds"] / row["seen"])
    now = timezone.now()
    PeerBenchmark.objects.all().delete()
    PeerBenchmark.objects.bulk_create(
        PeerBenchmark(
            axis=axis,
            code=code,
            percents=sorted(percents.get((axis, code), [])),
            median_seconds=statistics.median(paces.get((axis, code), [])),
            computed_at=now,
        )
        for axis, code in sorted(set(percents) | set(paces))
    )
    return len(set(percents) | set(paces))
