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
from apps.questions.content import LETTERS
from apps.questions.models import VersionStatistics
from apps.questions.services import flag_reports_create

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


def _rows(user_ids: list[int]) -> list[dict]:
    """These students' ended items, counted per student × exam × discipline × system × basis:
    one query, whether for one student or a batch of them."""
    answered = ~Q(answer="")
    return list(
        BlockItem.objects.filter(user_id__in=user_ids, block__status=Block.Status.ENDED)
        .values("user_id", *(path for _, path in AXES), "pass_number", "block__feedback")
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


def _cells(rows: list[dict]) -> list[ReportCell]:
    tallies: dict[tuple, _Tally] = defaultdict(_Tally)
    for row in rows:
        basis = (row["pass_number"] == 1, row["block__feedback"])
        tallies[(row["user_id"], ReportCell.Axis.OVERALL, "", *basis)].add(row)
        for axis, path in AXES:
            tallies[(row["user_id"], axis, row[path], *basis)].add(row)
    return [
        ReportCell(
            user_id=user_id,
            axis=axis,
            code=code,
            first_pass=first_pass,
            feedback=feedback,
            **{name: getattr(tally, name) for name in COUNTS},
        )
        for (user_id, axis, code, first_pass, feedback), tally in sorted(tallies.items())
    ]


@transaction.atomic
def _reports_write(user_ids: list[int]) -> None:
    """Rewrite these students' reports from their ended blocks, and clear each mark that asked
    for one unless a block ended after this began (that one asks again)."""
    started = timezone.now()
    cells = _cells(_rows(user_ids))
    ReportCell.objects.filter(user_id__in=user_ids).delete()
    ReportCell.objects.bulk_create(cells)
    seen = dict.fromkeys(user_ids, 0)
    for cell in cells:
        if cell.axis == ReportCell.Axis.OVERALL:
            seen[cell.user_id] += cell.seen
    Report.objects.bulk_create(
        [Report(user_id=user_id, computed_at=started, items=n) for user_id, n in seen.items()],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["computed_at", "items"],
    )
    ReportDue.objects.filter(user_id__in=user_ids, since__lte=started).delete()


def report_recompute(*, user_id: int) -> Report:
    """Rewrite one student's report (after their block ended or was deleted)."""
    _reports_write([user_id])
    return Report.objects.get(user_id=user_id)


def reports_rebuild(*, batch: int = RECONCILE_BATCH) -> int:
    """Rewrite every report of a student with an ended block, a bounded batch of students per
    query and transaction, as report_recompute would one by one; the number rewritten."""
    users = (
        Block.objects.filter(status=Block.Status.ENDED, deleted_at__isnull=True)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")
    )
    done, after = 0, 0
    while chunk := list(users.filter(user_id__gt=after)[:batch]):
        _reports_write(chunk)
        done, after = done + len(chunk), chunk[-1]
    return done


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


# --- Peer and item statistics per question version ---------------------------------------

ITEM_BATCH = 1000
_NEVER = 10**9  # a minimum no item reaches: leaves that half of item_statistics empty


def _first_attempts():
    """Each student's first exposure to a question, in the first pass, once its block ended
    (deleted blocks included: their items name no one, but their block still tells whose)."""
    return BlockItem.objects.filter(
        first_attempt=True, pass_number=1, block__status=Block.Status.ENDED
    )


def _exam_totals() -> dict[tuple[int, int], tuple[int, int]]:
    """(first attempts, correct) per student and exam: for each rest score."""
    rows = (
        _first_attempts()
        .values("block__user_id", "question__exam_id")
        .annotate(n=Count("pk"), right=Count("pk", filter=Q(correct=True)))
        .order_by()
    )
    return {(r["block__user_id"], r["question__exam_id"]): (r["n"], r["right"]) for r in rows}


def _version_statistics(rows: list[tuple], totals: dict, now) -> VersionStatistics:
    version_id, *_, key, option_count = rows[0]
    letters = LETTERS[:option_count]
    choices, times, rested, rests = [], [], [], []
    for _, student, exam, answer, correct, seconds, _, _ in rows:
        choices.append(answer)
        times.append(seconds)
        n, right = totals[(student, exam)]
        if n > 1:
            # The student's percent correct on their OTHER first attempts in this exam.
            rested.append(answer)
            rests.append(100 * (right - bool(correct)) / (n - 1))
    proportions = statistics.item_statistics(
        choices,
        [0.0] * len(choices),
        key,
        letters,
        min_p_responses=settings.VIGNETTE_ITEM_MIN_P_RESPONSES,
        min_rpb_responses=_NEVER,
    )
    correlations = statistics.item_statistics(
        rested,
        rests,
        key,
        letters,
        min_p_responses=_NEVER,
        min_rpb_responses=settings.VIGNETTE_ITEM_MIN_RPB_RESPONSES,
    )
    counts = {letter: choices.count(letter) for letter in letters}
    return VersionStatistics(
        version_id=version_id,
        responses=len(choices),
        correct=counts[key],
        option_counts=counts,
        median_seconds=statistics.median(times),
        p_value=proportions.p,
        point_biserial=correlations.rpb,
        option_point_biserials=correlations.option_rpbs or {},
        flags=statistics.item_flags(
            proportions.p,
            correlations.rpb,
            proportions.option_shares,
            correlations.option_rpbs,
            key,
        ),
        computed_at=now,
    )


def _newly_flagged(written: list[VersionStatistics], before: dict) -> dict[int, str]:
    """A note for each version that earned a flag it did not have: it goes to the editors
    once, when it first appears."""
    notes = {}
    for stats in written:
        new = [flag for flag in stats.flags if flag not in before.get(stats.version_id, [])]
        if new:
            labels = "; ".join(VersionStatistics.FLAG_LABELS[flag] for flag in new)
            p = "n/a" if stats.p_value is None else f"{stats.p_value:.2f}"
            rpb = "n/a" if stats.point_biserial is None else f"{stats.point_biserial:.2f}"
            notes[stats.version_id] = (
                f"The item statistics flagged this version: {labels}. From "
                f"{stats.responses} first attempts: p = {p}, rpb = {rpb}, answers "
                f"{stats.option_counts}."
            )
    return notes


_STATISTICS_FIELDS = [
    "responses",
    "correct",
    "option_counts",
    "median_seconds",
    "p_value",
    "point_biserial",
    "option_point_biserials",
    "flags",
    "computed_at",
]


def version_statistics_rebuild(*, batch: int = ITEM_BATCH) -> int:
    """Rewrite every answered version's peer and item statistics from first attempts in the
    first pass, a bounded batch of versions per transaction; the number written."""
    totals = _exam_totals()
    version_ids = list(
        _first_attempts().values_list("version_id", flat=True).distinct().order_by("version_id")
    )
    now = timezone.now()
    for start in range(0, len(version_ids), batch):
        chunk = version_ids[start : start + batch]
        rows = (
            _first_attempts()
            .filter(version_id__in=chunk)
            .values_list(
                "version_id",
                "block__user_id",
                "question__exam_id",
                "answer",
                "correct",
                "time_spent_seconds",
                "key_letter",
                "option_count",
            )
            .order_by("version_id")
        )
        by_version: dict[int, list[tuple]] = defaultdict(list)
        for row in rows:
            by_version[row[0]].append(row)
        with transaction.atomic():
            before = dict(
                VersionStatistics.objects.filter(version_id__in=chunk).values_list(
                    "version_id", "flags"
                )
            )
            written = [_version_statistics(r, totals, now) for r in by_version.values()]
            VersionStatistics.objects.bulk_create(
                written,
                update_conflicts=True,
                unique_fields=["version"],
                update_fields=_STATISTICS_FIELDS,
            )
            flag_reports_create(notes=_newly_flagged(written, before))
    return len(version_ids)
