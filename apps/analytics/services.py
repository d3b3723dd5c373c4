"""Writing reports: each a recomputation from the student's ended blocks, never an increment,
so running one twice, or after a lost message, gives the same rows."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from apps.analytics import statistics
from apps.analytics.models import PeerBenchmark, Report, ReportCell
from apps.blocks.models import Block, BlockItem, ReportDue
from apps.questions.content import LETTERS
from apps.questions.models import Option, VersionStatistics
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
    _reports_write(due)
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


# First attempts with each student's rest score: their percent correct on their OTHER first
# attempts in the same exam (undefined with none). Written out: the database adds up per version
# and answer what the correlations need, so Python never sees the 3 million rows.
_FIRST_ATTEMPTS_SQL = """
    WITH fa AS (
        SELECT i.version_id, b.user_id AS student, q.exam_id, i.answer,
               CASE WHEN i.correct THEN 1 ELSE 0 END AS score
        FROM blocks_blockitem i
        JOIN blocks_block b ON b.id = i.block_id
        JOIN questions_question q ON q.id = i.question_id
        WHERE i.first_attempt AND i.pass_number = 1 AND b.status = 'ended'
    ),
    totals AS (
        SELECT student, exam_id, COUNT(*) AS n, SUM(score) AS right_n
        FROM fa GROUP BY student, exam_id
    ),
    rested AS (
        SELECT fa.version_id, fa.answer,
               CASE WHEN t.n > 1 THEN 100.0 * (t.right_n - fa.score) / (t.n - 1) END AS rest
        FROM fa JOIN totals t ON t.student = fa.student AND t.exam_id = fa.exam_id
    )
    SELECT version_id, answer, COUNT(*), COUNT(rest), COALESCE(SUM(rest), 0),
           COALESCE(SUM(rest * rest), 0)
    FROM rested GROUP BY version_id, answer"""

_MEDIANS_SQL = {
    "postgresql": """
        SELECT i.version_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY i.time_spent_seconds)
        FROM blocks_blockitem i JOIN blocks_block b ON b.id = i.block_id
        WHERE i.first_attempt AND i.pass_number = 1 AND b.status = 'ended'
        GROUP BY i.version_id""",
    # Elsewhere (SQLite, a laptop's small bank) the times come back counted and Python finds
    # the middle.
    "other": """
        SELECT i.version_id, i.time_spent_seconds, COUNT(*)
        FROM blocks_blockitem i JOIN blocks_block b ON b.id = i.block_id
        WHERE i.first_attempt AND i.pass_number = 1 AND b.status = 'ended'
        GROUP BY i.version_id, i.time_spent_seconds""",
}


@dataclass
class _Sums:
    """Per version: responses per answer, and over responses with a rest score, their number
    and Σrest per answer, and Σrest and Σrest² over all."""

    answers: dict = field(default_factory=dict)  # answer -> (responses, rested, Σrest)
    rested: int = 0
    sum_rest: float = 0.0
    sum_squares: float = 0.0


def _version_sums() -> dict[int, _Sums]:
    sums: dict[int, _Sums] = defaultdict(_Sums)
    with connection.cursor() as cursor:
        cursor.execute(_FIRST_ATTEMPTS_SQL)
        for version_id, answer, responses, rested, sum_rest, sum_squares in cursor:
            version = sums[version_id]
            version.answers[answer] = (responses, rested, float(sum_rest))
            version.rested += rested
            version.sum_rest += float(sum_rest)
            version.sum_squares += float(sum_squares)
    return sums


def _version_medians() -> dict[int, float]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_MEDIANS_SQL["postgresql"])
            return {version_id: float(median) for version_id, median in cursor}
        cursor.execute(_MEDIANS_SQL["other"])
        counted: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for version_id, seconds, count in cursor:
            counted[version_id].append((seconds, count))
    return {version_id: statistics.median_of_counts(pairs) for version_id, pairs in counted.items()}


def _version_statistics(
    version_id: int, key: str, option_count: int, sums: _Sums, median: float | None, now
) -> VersionStatistics:
    letters = LETTERS[:option_count]
    counts = {letter: sums.answers.get(letter, (0, 0, 0.0))[0] for letter in letters}
    responses = sum(responses for responses, _, _ in sums.answers.values())
    p = shares = rpb = rpbs = None
    if responses >= settings.VIGNETTE_ITEM_MIN_P_RESPONSES:
        shares = {letter: counts[letter] / responses for letter in letters}
        p = shares[key]
    if sums.rested >= settings.VIGNETTE_ITEM_MIN_RPB_RESPONSES:
        rpbs = {
            letter: statistics.point_biserial_from_sums(
                sums.rested,
                sums.answers.get(letter, (0, 0, 0.0))[1],
                sums.answers.get(letter, (0, 0, 0.0))[2],
                sums.sum_rest,
                sums.sum_squares,
            )
            for letter in letters
        }
        rpb = rpbs[key]
    return VersionStatistics(
        version_id=version_id,
        responses=responses,
        correct=counts[key],
        option_counts=counts,
        median_seconds=median,
        p_value=p,
        point_biserial=rpb,
        option_point_biserials=rpbs or {},
        flags=statistics.item_flags(p, rpb, shares, rpbs, key),
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
    first pass: the database adds up, then a bounded batch of versions is written per
    transaction; the number written."""
    sums = _version_sums()
    medians = _version_medians()
    # Each version's key and number of options, for all versions at once (no list of ids).
    keys = {
        version_id: (key, n)
        for version_id, key, n in Option.objects.values("version_id")
        .annotate(n=Count("pk"), key=Max("letter", filter=Q(is_correct=True)))
        .values_list("version_id", "key", "n")
        .order_by()
    }
    now = timezone.now()
    version_ids = sorted(sums)
    for start in range(0, len(version_ids), batch):
        chunk = version_ids[start : start + batch]
        with transaction.atomic():
            before = dict(
                VersionStatistics.objects.filter(version_id__in=chunk).values_list(
                    "version_id", "flags"
                )
            )
            written = [
                _version_statistics(v, *keys[v], sums[v], medians.get(v), now) for v in chunk
            ]
            VersionStatistics.objects.bulk_create(
                written,
                update_conflicts=True,
                unique_fields=["version"],
                update_fields=_STATISTICS_FIELDS,
            )
            flag_reports_create(notes=_newly_flagged(written, before))
    return len(version_ids)
