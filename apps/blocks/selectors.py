"""Reads for blocks: the one way to reach a block, pools, counts, and what a student sees."""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects

from apps.accounts.models import User
from apps.blocks import clock, pools
from apps.blocks.models import Block, BlockItem, Change
from apps.blocks.pools import Filters
from apps.blocks.selection import Candidate
from apps.core import rawsql
from apps.core.errors import InvalidInput, NotFound
from apps.questions.content import LETTERS
from apps.questions.models import Option, Question, QuestionVersion
from apps.questions.rendering import item_context


def block_for_user(*, user: User, public_id, lock: bool = False) -> Block:
    """The one way to reach a block: the student's own, not deleted; others are not found."""
    blocks = Block.objects.filter(user=user, public_id=public_id, deleted_at__isnull=True)
    block = (blocks.select_for_update() if lock else blocks).first()
    if block is None:
        raise NotFound("No such block.")
    return block


@dataclass(frozen=True)
class Sample:
    available: int  # how many questions match
    candidates: list[Candidate]
    enemies_possible: bool  # whether any candidate has an enemy anywhere in the bank


# Beyond each cell's share: room for enemies to be passed over, and for the share of a
# cell too small for its own to go elsewhere.
SPARE_PER_CELL = 3
_ENEMIES = Question.enemies.through._meta.db_table


def _rows(sql: str, parameters: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        return cursor.fetchall()


def candidate_sample(*, user: User, filters: Filters, count: int) -> Sample:
    """How many questions match, and a random sample from each discipline × system cell big
    enough for that cell's share of `count` (with a little to spare for enemies), in one
    statement: the database shuffles, not Python.
    """
    matching = pools.matching(user, filters)
    cell = "PARTITION BY c.discipline_id, c.system_id"
    rows = _rows(
        "SELECT d.id, d.discipline_id, d.system_id, d.matching,"  # noqa: S608  model names
        f" EXISTS(SELECT 1 FROM {_ENEMIES} e WHERE e.from_question_id = d.id) FROM ("
        "  SELECT c.id, c.discipline_id, c.system_id,"
        f"  COUNT(*) OVER ({cell}) AS cell_size, COUNT(*) OVER () AS matching,"
        f"  ROW_NUMBER() OVER ({cell} ORDER BY RANDOM()) AS draw"
        f"  FROM (SELECT q.id, q.discipline_id, q.system_id {matching.text}) c"
        ") d WHERE d.draw <= %s * d.cell_size / d.matching + %s",
        [*matching.parameters, count, SPARE_PER_CELL],
    )
    return Sample(
        available=rows[0][3] if rows else 0,
        candidates=[Candidate(pk, (discipline, system)) for pk, discipline, system, *_ in rows],
        enemies_possible=any(row[4] for row in rows),
    )


def candidates(*, user: User, filters: Filters) -> tuple[list[Candidate], dict[int, set[int]]]:
    """Every question that matches, and the enemy pairs among them: two statements."""
    matching = pools.matching(user, filters)
    rows = _rows(f"SELECT q.id, q.discipline_id, q.system_id {matching.text}", matching.parameters)
    pairs = _rows(
        f"SELECT e.from_question_id, e.to_question_id FROM {_ENEMIES} e"  # noqa: S608
        f" WHERE e.from_question_id IN (SELECT q.id {matching.text})"
        f" AND e.to_question_id IN (SELECT q.id {matching.text})",
        matching.parameters * 2,
    )
    return [Candidate(pk, (discipline, system)) for pk, discipline, system in rows], _enemies(pairs)


def enemies_among(question_ids: list[int]) -> dict[int, set[int]]:
    """The enemy pairs among these questions, both ways round: one statement."""
    marks = rawsql.placeholders(len(question_ids))
    return _enemies(
        _rows(
            f"SELECT e.from_question_id, e.to_question_id FROM {_ENEMIES} e"  # noqa: S608
            f" WHERE e.from_question_id IN ({marks}) AND e.to_question_id IN ({marks})",
            question_ids * 2,
        )
    )


def _enemies(pairs: list[tuple]) -> dict[int, set[int]]:
    enemies: dict[int, set[int]] = {}
    for left, right in pairs:
        enemies.setdefault(left, set()).add(right)
    return enemies


def choice_counts(*, user: User, filters: Filters) -> dict[str, dict[str, int]]:
    """How many questions each choice would give, the other current choices held: 4 queries,
    one for the pools (in the chosen cells), one for each axis (in the chosen pools), each
    naming every choice, those that would give none included."""
    everywhere = pools.matching(user, filters, pools=False)
    conditions = [pools.pool_condition((pool,)) for pool in pools.POOLS]
    columns = ", ".join(f"COUNT(CASE WHEN {c.text} THEN 1 END)" for c in conditions)
    (row,) = _rows(
        f"SELECT {columns} {everywhere.text}",
        [*(p for c in conditions for p in c.parameters), *everywhere.parameters],
    )
    counts = {"pools": dict(zip(pools.POOLS, row, strict=True))}
    for axis, model in pools.AXES.items():
        matching = pools.matching(user, filters, skip=axis)
        rows = _rows(
            f"SELECT t.code, COUNT(m.axis_id) FROM {model._meta.db_table} t LEFT JOIN"  # noqa: S608
            f" (SELECT q.{axis}_id AS axis_id {matching.text}) m ON m.axis_id = t.id"
            " GROUP BY t.code",
            matching.parameters,
        )
        counts[f"{axis}s"] = dict(rows)
    return counts


_ITEM = rawsql.Reader(BlockItem, "i")
_BLOCK = rawsql.Reader(Block, "b")


def items_for_changes(
    *, user: User, public_id, positions: set[int], change_ids: list
) -> tuple[list[BlockItem], bool]:
    """The items at these positions with their block, locked, and whether any of these changes
    is in the block's log already (a replay): one statement, written out because the ORM
    takes longer to compile it than the database to run it. Only the items' state comes, not
    the questions' text: saving needs none of it.
    """
    lock = " FOR UPDATE OF b" if connection.features.has_select_for_update_of else ""
    sql = (
        f"SELECT {_ITEM.columns()}, {_BLOCK.columns()}, EXISTS("  # noqa: S608  model names
        f"  SELECT 1 FROM {Change._meta.db_table} c WHERE c.block_id = b.id"
        f"  AND c.change_id IN ({rawsql.placeholders(len(change_ids))}))"
        f" FROM {BlockItem._meta.db_table} i JOIN {Block._meta.db_table} b ON b.id = i.block_id"
        " WHERE b.public_id = %s AND b.user_id = %s AND b.deleted_at IS NULL"
        f" AND i.position IN ({rawsql.placeholders(len(positions))}){lock}"
    )
    parameters = [
        *(rawsql.parameter(Change, "change_id", change_id) for change_id in change_ids),
        rawsql.parameter(Block, "public_id", public_id),
        user.pk,
        *positions,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        rows = cursor.fetchall()
    if not rows:
        # No block, or none of these positions in it: the block decides which to say.
        block = block_for_user(user=user, public_id=public_id)
        raise InvalidInput(fields={"changes": [f"This block has items 1 to {block.item_count}."]})
    block = _BLOCK.instance(rows[0], _ITEM.width)
    items = []
    for row in rows:
        item = _ITEM.instance(row)
        item.block = block
        items.append(item)
    return items, bool(rows[0][-1])


def with_review_content(block: Block, items: list[BlockItem]) -> list[BlockItem]:
    """Fetch what the reviewable items show: their versions and options (two queries, or
    none when no item is reviewable)."""
    shown = [item for item in items if reviewable(block, item)]
    if shown:
        versions = QuestionVersion.objects.select_related("question", "statistics").in_bulk(
            [item.version_id for item in shown]
        )
        prefetch_related_objects(
            list(versions.values()),
            Prefetch("options", queryset=Option.objects.order_by("letter")),
        )
        for item in shown:
            item.version = versions[item.version_id]
    return items


def block_items(block: Block) -> QuerySet[BlockItem]:
    """A block's items with their pinned versions, options and statistics."""
    return block.items.select_related(
        "question", "version__question", "version__statistics"
    ).prefetch_related(Prefetch("version__options", queryset=Option.objects.order_by("letter")))


def reviewable(block: Block, item: BlockItem) -> bool:
    """May the student see this item's key and explanations? After Submit (tutor) or the end."""
    return block.status == Block.Status.ENDED or item.submitted


def peer_answers(item: BlockItem) -> dict:
    """Share of students choosing each option, when enough have answered to show it."""
    minimum = settings.VIGNETTE_PEER_MIN_RESPONSES
    statistics = getattr(item.version, "statistics", None)
    responses = statistics.responses if statistics else 0
    if responses < minimum:
        reason = (
            "Peer statistics are computed after students answer; none yet."
            if statistics is None
            else f"Shown once {minimum} students have answered; {responses} have so far."
        )
        return {
            "shown": False,
            "reason": reason,
            "responses": responses,
            "options": {},
            "median_seconds": None,
        }
    counts = statistics.option_counts
    letters = LETTERS[: item.option_count]
    return {
        "shown": True,
        "reason": "",
        "responses": responses,
        "options": {letter: round(100 * counts.get(letter, 0) / responses) for letter in letters},
        "median_seconds": statistics.median_seconds,
    }


def _state(item: BlockItem) -> dict:
    return {
        "answer": item.answer,
        "submitted": item.submitted,
        "marked": item.marked,
        "struck": item.struck,
        "highlights": item.highlights,
        "note": item.note,
        "time_spent": item.time_spent_seconds,
    }


def item_payload(block: Block, item: BlockItem, *, content: bool = True) -> dict:
    """What a student may see of an item: the only place that decides.

    Keys, explanations and peer answers only once the item is reviewable; without
    `content`, the item's state (and review, if reviewable) without the question's text.
    """
    review = reviewable(block, item)
    payload = {"position": item.position, "state": _state(item), "review": None}
    if not (content or review):
        return payload
    context = item_context(item.version, reveal=review)
    if content:
        payload |= {
            "question": item.question.public_id,
            "stem_html": context["stem_html"],
            "lead_in_html": context["lead_in_html"],
            "options": [{"letter": o.letter, "text_html": o.text_html} for o in context["options"]],
        }
    if review:
        content_ = context
        payload["review"] = {
            "key": item.key_letter,
            "correct": item.answer == item.key_letter,
            "options": {o.letter: o.explanation_html for o in content_["options"]},
            "explanation_html": content_["explanation_html"],
            "objective_html": content_["objective_html"],
            "references": content_["references"],
            "peers": peer_answers(item),
        }
    return payload


def block_summary(block: Block, now) -> dict:
    ended = block.status == Block.Status.ENDED
    return {
        "public_id": block.public_id,
        "status": block.status,
        "clock": block.clock,
        "feedback": block.feedback,
        "pass_number": block.pass_number,
        "item_count": block.item_count,
        "time_limit_seconds": block.time_limit_seconds,
        "seconds_left": clock.seconds_left(block, now),
        "elapsed_seconds": block.time_used_seconds if ended else clock.elapsed_seconds(block, now),
        "created_at": block.created_at,
        "ended_at": block.ended_at,
        "end_reason": block.end_reason,
        "score": {
            "correct": block.correct_count,
            "incorrect": block.incorrect_count,
            "omitted": block.omitted_count,
            "time_used_seconds": block.time_used_seconds,
        }
        if ended
        else None,
    }


def block_detail(block: Block, now) -> dict:
    """The whole block as its student may see it now, in a fixed number of queries."""
    items = list(block_items(block))
    return block_summary(block, now) | {
        "unanswered": [item.position for item in items if not item.answer],
        "marked": [item.position for item in items if item.marked],
        "items": [item_payload(block, item) for item in items],
    }


def blocks_of(user: User, *, status: str = "", pass_number: int | None = None) -> QuerySet[Block]:
    blocks = Block.objects.filter(user=user, deleted_at__isnull=True).order_by("-created_at")
    if status:
        blocks = blocks.filter(status=status)
    if pass_number:
        blocks = blocks.filter(pass_number=pass_number)
    return blocks


REVISIT = {
    "incorrect": Q(correct=False) & ~Q(answer=""),
    "marked": Q(marked=True),
}


def revisit_counts(blocks: list[Block]) -> dict[int, dict[str, int]]:
    """Per ended block, how many of its items were answered incorrectly or marked: one query."""
    rows = (
        BlockItem.objects.filter(block__in=[b.pk for b in blocks if b.status == Block.Status.ENDED])
        .values("block_id")
        .annotate(**{pick: Count("pk", filter=condition) for pick, condition in REVISIT.items()})
    )
    return {row.pop("block_id"): row for row in rows}


def revisit_question_ids(block: Block, pick: str) -> tuple[list[str], int]:
    """The still-published questions of an ended block's incorrect or marked items, in block
    order, and how many such items were left out because their question was retired."""
    if block.status != Block.Status.ENDED:
        return [], 0
    items = list(block.items.filter(REVISIT[pick]).select_related("question").order_by("position"))
    published = [i.question for i in items if i.question.status == Question.Status.PUBLISHED]
    return [question.public_id for question in published], len(items) - len(published)
