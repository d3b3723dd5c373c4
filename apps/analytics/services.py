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
from apps.blocks.models import Block, ReportDue
from apps.questions.content import LETTERS
from apps.questions.models import Option, VersionStatistics
from apps.questions.services import flag_reports_create

RECONCILE_BATCH = 200

# A report's cells, written by the database in one statement for a batch of students, so no
# item passes through Python. `cells` holds the counts per student × basis on each axis (the
# axis's id set, the others NULL; all NULL overall); the insert names them.
_ITEM_COUNTS = """
    SELECT i.user_id, q.exam_id, q.discipline_id, q.system_id,
           CASE WHEN i.pass_number = 1 THEN 1 ELSE 0 END AS first_pass, b.feedback,
           COUNT(*) AS seen,
           SUM(CASE WHEN i.answer <> '' AND i.correct THEN 1 ELSE 0 END) AS correct,
           SUM(CASE WHEN i.answer = '' THEN 1 ELSE 0 END) AS omitted,
           SUM(CASE WHEN i.first_attempt THEN 1 ELSE 0 END) AS first_attempts,
           SUM(CASE WHEN i.first_attempt AND i.answer <> '' AND i.correct
                    THEN 1 ELSE 0 END) AS first_correct,
           SUM(i.time_spent_seconds) AS seconds
    FROM blocks_blockitem i
    JOIN blocks_block b ON b.id = i.block_id
    JOIN questions_question q ON q.id = i.question_id
    WHERE i.user_id IN ({students}) AND b.status = 'ended'"""
_FINE_SUMS = """SUM(seen) AS seen, SUM(correct) AS correct, SUM(omitted) AS omitted,
               SUM(first_attempts) AS first_attempts, SUM(first_correct) AS first_correct,
               SUM(seconds) AS seconds"""
_CELLS = {
    # One pass over the items, adding up along every axis at once.
    "postgresql": f"""cells AS ({_ITEM_COUNTS}
        GROUP BY i.user_id, first_pass, b.feedback,
                 GROUPING SETS ((), (q.exam_id), (q.discipline_id), (q.system_id)))""",
    # Without grouping sets: the items counted once per exam × discipline × system, then that
    # small table added up along each axis.
    "other": f"""fine AS MATERIALIZED ({_ITEM_COUNTS}
        GROUP BY i.user_id, q.exam_id, q.discipline_id, q.system_id, first_pass, b.feedback),
    cells AS (
        SELECT user_id, NULL AS exam_id, NULL AS discipline_id, NULL AS system_id,
               first_pass, feedback, {_FINE_SUMS}
        FROM fine GROUP BY user_id, first_pass, feedback
        UNION ALL
        SELECT user_id, exam_id, NULL, NULL, first_pass, feedback, {_FINE_SUMS}
        FROM fine GROUP BY user_id, exam_id, first_pass, feedback
        UNION ALL
        SELECT user_id, NULL, discipline_id, NULL, first_pass, feedback, {_FINE_SUMS}
        FROM fine GROUP BY user_id, discipline_id, first_pass, feedback
        UNION ALL
        SELECT user_id, NULL, NULL, system_id, first_pass, feedback, {_FINE_SUMS}
        FROM fine GROUP BY user_id, system_id, first_pass, feedback)""",  # noqa: S608  constants
}
_CELLS_INSERT = """
    INSERT INTO analytics_reportcell (user_id, axis, code, first_pass, feedback, seen, correct,
                                      omitted, first_attempts, first_correct, seconds)
    SELECT c.user_id,
           CASE WHEN c.exam_id IS NOT NULL THEN %s WHEN c.discipline_id IS NOT NULL THEN %s
                WHEN c.system_id IS NOT NULL THEN %s ELSE %s END,
           COALESCE(e.code, d.code, s.code, ''), c.first_pass = 1, c.feedback, c.seen,
           c.correct, c.omitted, c.first_attempts, c.first_correct, c.seconds
    FROM cells c
    LEFT JOIN questions_exam e ON e.id = c.exam_id
    LEFT JOIN questions_discipline d ON d.id = c.discipline_id
    LEFT JOIN questions_system s ON s.id = c.system_id"""
_AXIS_NAMES = [
    ReportCell.Axis.EXAM,
    ReportCell.Axis.DISCIPLINE,
    ReportCell.Axis.SYSTEM,
    ReportCell.Axis.OVERALL,
]


def _tune_for_batches(cursor) -> None:
    """For this transaction, on PostgreSQL: room to group a batch in memory, and no JIT
    compilation (it costs each batch statement about a second and saves less)."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)",
            [settings.VIGNETTE_ANALYTICS_WORK_MEM],
        )


def _cells_write(user_ids: list[int]) -> None:
    cells = _CELLS["postgresql" if connection.vendor == "postgresql" else "other"]
    students = ", ".join(["%s"] * len(user_ids))
    with connection.cursor() as cursor:
        _tune_for_batches(cursor)
        cursor.execute(
            f"WITH {cells.format(students=students)} {_CELLS_INSERT}",
            [*user_ids, *_AXIS_NAMES],
        )


@transaction.atomic
def _reports_write(user_ids: list[int]) -> None:
    """Rewrite these students' reports from their ended blocks, and clear each mark that asked
    for one unless a block ended after this began (that one asks again)."""
    if not user_ids:
        return
    started = timezone.now()
    ReportCell.objects.filter(user_id__in=user_ids).delete()
    _cells_write(user_ids)
    seen = dict.fromkeys(user_ids, 0) | dict(
        ReportCell.objects.filter(user_id__in=user_ids, axis=ReportCell.Axis.OVERALL)
        .values("user_id")
        .annotate(n=Sum("seen"))
        .values_list("user_id", "n")
        .order_by()
    )
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
# and answer what the correlations need, so Python never sees the 3 million rows. `fa` is read
# twice, each time afresh: scanning again costs less than keeping 3 million rows aside, and the
# rest scores are floating point, whose sums PostgreSQL adds far faster than numeric ones.
_FIRST_ATTEMPTS_SQL = """
    WITH fa AS NOT MATERIALIZED (
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
               CASE WHEN t.n > 1
                    THEN CAST(100 AS DOUBLE PRECISION) * (t.right_n - fa.score) / (t.n - 1)
               END AS rest
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
    with transaction.atomic(), connection.cursor() as cursor:
        _tune_for_batches(cursor)
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
