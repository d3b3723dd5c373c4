"""Reading a student's performance report, as each number's basis says, beside their peers."""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings

from apps.accounts.models import User
from apps.analytics import statistics
from apps.analytics.models import PeerBenchmark, Report, ReportCell
from apps.blocks.models import SECONDS_PER_ITEM, Block, BlockItem, ReportDue
from apps.questions.models import Discipline, Exam, System, public_id_for

FEEDBACKS = ("all", "exam", "tutor")
WEAKEST = 3
WEAKEST_MIN_SEEN = 5
_NAMES = {
    ReportCell.Axis.EXAM: Exam,
    ReportCell.Axis.DISCIPLINE: Discipline,
    ReportCell.Axis.SYSTEM: System,
}


@dataclass(frozen=True)
class Basis:
    """What the counts are computed from: every pass or the first only; either feedback or one
    (tutor scores run higher, so the report can keep them apart)."""

    first_pass_only: bool = False
    feedback: str = "all"

    def takes(self, cell: ReportCell) -> bool:
        return (cell.first_pass or not self.first_pass_only) and self.feedback in (
            "all",
            cell.feedback,
        )

    def describe(self) -> str:
        passes = "first pass" if self.first_pass_only else "every pass"
        feedback = {"all": "exam and tutor feedback", "exam": "exam feedback only"}.get(
            self.feedback, "tutor feedback only"
        )
        return f"Ended blocks, {passes}, {feedback}."


def _row(axis: str, code: str, name: str, counts: dict, first: tuple, benchmark) -> dict:
    seen, correct, omitted, seconds = (counts[k] for k in ("seen", "correct", "omitted", "seconds"))
    low, high = statistics.wilson_interval(correct, seen)
    attempts, right = first
    percents = benchmark.percents if benchmark else []
    minimum, peers_needed = settings.VIGNETTE_PEER_MIN_ANSWERS, settings.VIGNETTE_PEER_MIN_STUDENTS
    percentile, note = None, ""
    if attempts < minimum:
        note = f"A rank needs {minimum} first attempts here; you have {attempts}."
    elif len(percents) < peers_needed:
        note = (
            f"A rank needs {peers_needed} peers with {minimum} first attempts; "
            f"there are {len(percents)}."
        )
    else:
        percentile = statistics.percentile_rank(100 * right / attempts, percents)
        note = f"Among {len(percents)} peers with {minimum} or more first attempts."
    return {
        "axis": axis,
        "code": code,
        "name": name,
        "seen": seen,
        "correct": correct,
        "incorrect": seen - correct - omitted,
        "omitted": omitted,
        "percent": statistics.percent(correct, seen),
        "interval": [round(100 * low, 1), round(100 * high, 1)] if seen else None,
        "seconds_per_item": round(seconds / seen, 1) if seen else None,
        "peer_median_seconds": benchmark.median_seconds if benchmark else None,
        "percentile": round(percentile, 1) if percentile is not None else None,
        "peers": len(percents),
        "percentile_note": note,
    }


def performance(*, user: User, basis: Basis) -> dict:
    """The student's report: overall and per exam, discipline and system, in a fixed number of
    queries (report, due mark, cells, benchmarks, and the three taxonomies' names)."""
    report = Report.objects.filter(user=user).first()
    computing = ReportDue.objects.filter(user=user).exists()
    counts: dict[tuple, dict] = defaultdict(
        lambda: dict.fromkeys(("seen", "correct", "omitted", "seconds"), 0)
    )
    first: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for cell in ReportCell.objects.filter(user=user):
        key = (cell.axis, cell.code)
        first[key][0] += cell.first_attempts
        first[key][1] += cell.first_correct
        if basis.takes(cell):
            for name in ("seen", "correct", "omitted", "seconds"):
                counts[key][name] += getattr(cell, name)
    benchmarks = {(b.axis, b.code): b for b in PeerBenchmark.objects.all()}
    names = {
        (axis, code): name
        for axis, model in _NAMES.items()
        for code, name in model.objects.values_list("code", "name")
    }

    def rows(axis: str) -> list[dict]:
        keys = sorted(k for k in counts if k[0] == axis and counts[k]["seen"])
        return [
            _row(
                axis,
                code,
                names.get((axis, code), code),
                counts[(axis, code)],
                tuple(first[(axis, code)]),
                benchmarks.get((axis, code)),
            )
            for _, code in keys
        ]

    overall_key = (ReportCell.Axis.OVERALL, "")
    areas = rows(ReportCell.Axis.DISCIPLINE) + rows(ReportCell.Axis.SYSTEM)
    weakest = sorted(
        (row for row in areas if row["seen"] >= WEAKEST_MIN_SEEN),
        key=lambda row: (row["interval"][1], row["name"]),
    )[:WEAKEST]
    return {
        "computed_at": report.computed_at if report else None,
        "computing": computing,
        "basis": {"first_pass_only": basis.first_pass_only, "feedback": basis.feedback},
        "basis_text": basis.describe(),
        "pace_seconds": SECONDS_PER_ITEM,
        "overall": _row(
            ReportCell.Axis.OVERALL,
            "",
            "All items",
            counts[overall_key],
            tuple(first[overall_key]),
            benchmarks.get(overall_key),
        ),
        "exams": rows(ReportCell.Axis.EXAM),
        "disciplines": rows(ReportCell.Axis.DISCIPLINE),
        "systems": rows(ReportCell.Axis.SYSTEM),
        "weakest": weakest,
    }


EXPORT_COLUMNS = (
    "block_started",
    "pass",
    "clock",
    "feedback",
    "position",
    "question",
    "exam",
    "discipline",
    "system",
    "answer",
    "key",
    "result",
    "marked",
    "seconds",
    "first_attempt",
)


def answers_export(*, user: User):
    """Every item of the student's ended blocks, one row each, for their own CSV: one query,
    streamed in chunks."""
    items = (
        BlockItem.objects.filter(user=user, block__status=Block.Status.ENDED)
        .order_by("block__created_at", "position")
        .values_list(
            "block__created_at",
            "pass_number",
            "block__clock",
            "block__feedback",
            "position",
            "question_id",
            "question__exam__code",
            "question__discipline__code",
            "question__system__code",
            "answer",
            "key_letter",
            "marked",
            "time_spent_seconds",
            "first_attempt",
        )
    )
    for (
        created,
        pass_number,
        clock,
        feedback,
        position,
        question,
        exam,
        discipline,
        system,
        answer,
        key,
        marked,
        seconds,
        first,
    ) in items.iterator(chunk_size=2000):
        result = "omitted" if not answer else "correct" if answer == key else "incorrect"
        yield (
            created.isoformat(timespec="seconds"),
            pass_number,
            clock,
            feedback,
            position,
            public_id_for(question),
            exam,
            discipline,
            system,
            answer,
            key,
            result,
            int(marked),
            seconds,
            int(first),
        )


TREND_BLOCKS = 20


def trends(*, user: User, basis: Basis) -> dict:
    """Percent correct per ended block (the latest TREND_BLOCKS) and per ISO week, as the
    basis says: from the blocks' own scores, one query."""
    blocks = Block.objects.filter(user=user, status=Block.Status.ENDED, deleted_at__isnull=True)
    if basis.first_pass_only:
        blocks = blocks.filter(pass_number=1)
    if basis.feedback != "all":
        blocks = blocks.filter(feedback=basis.feedback)
    rows = list(blocks.order_by("ended_at").values_list("ended_at", "item_count", "correct_count"))
    per_block = [
        {
            "label": f"{ended.day} {ended:%b}",
            "items": items,
            "percent": statistics.percent(right, items),
        }
        for ended, items, right in rows[-TREND_BLOCKS:]
    ]
    weeks: dict[str, list[int]] = {}
    for ended, items, right in rows:
        year, week, _ = ended.isocalendar()
        tally = weeks.setdefault(f"{year}-W{week:02d}", [0, 0])
        tally[0] += items
        tally[1] += right
    per_week = [
        {"label": label, "items": items, "percent": statistics.percent(right, items)}
        for label, (items, right) in sorted(weeks.items())
    ]
    return {"blocks": per_block, "weeks": per_week}


def reliability(*, question_ids: list[int]) -> dict:
    """KR-20 of a fixed list of questions (a custom block shared by id) over the students who
    met every one of them for the first time in their first pass: one query."""
    rows = (
        BlockItem.objects.filter(
            question_id__in=question_ids,
            first_attempt=True,
            pass_number=1,
            block__status=Block.Status.ENDED,
        )
        .values_list("block__user_id", "question_id", "correct")
        .order_by()
    )
    scores: dict[int, dict[int, int]] = defaultdict(dict)
    for student, question, correct in rows:
        scores[student][question] = int(bool(correct))
    complete = [s for s in scores.values() if len(s) == len(question_ids)]
    matrix = [[row[q] for q in question_ids] for row in complete]
    return {
        "items": len(question_ids),
        "students": len(matrix),
        "kr20": statistics.kr20(matrix) if matrix else None,
    }
