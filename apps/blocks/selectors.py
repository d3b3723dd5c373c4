"""Reads for blocks: the one way to reach a block, pools, counts, and what a student sees."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from apps.accounts.models import User
from apps.blocks.models import Block, BlockItem, QuestionState
from apps.core.errors import NotFound
from apps.questions.models import Option, Question
from apps.questions.rendering import item_context

POOLS = ("unused", "incorrect", "marked", "omitted", "correct", "all")
_STATUS_POOLS = {
    "incorrect": QuestionState.Status.INCORRECT,
    "omitted": QuestionState.Status.OMITTED,
    "correct": QuestionState.Status.CORRECT,
}


def block_for_user(*, user: User, public_id, lock: bool = False) -> Block:
    """The one way to reach a block: the student's own, not deleted; others are not found."""
    blocks = Block.objects.filter(user=user, public_id=public_id, deleted_at__isnull=True)
    block = (blocks.select_for_update() if lock else blocks).first()
    if block is None:
        raise NotFound("No such block.")
    return block


@dataclass(frozen=True)
class Filters:
    pools: tuple[str, ...] = ("unused",)
    exams: tuple[str, ...] = ()
    disciplines: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()


def _pool_condition(user: User, pools: tuple[str, ...]) -> Q:
    if "all" in pools:
        return Q()
    states = QuestionState.objects.filter(
        user=user, pass_number=user.current_pass, question=OuterRef("pk")
    )
    condition = Q(pk__in=[])
    if "unused" in pools:
        condition |= ~Exists(states)
    statuses = [_STATUS_POOLS[pool] for pool in pools if pool in _STATUS_POOLS]
    if statuses:
        condition |= Exists(states.filter(status__in=statuses))
    if "marked" in pools:
        condition |= Exists(states.filter(marked=True).exclude(status="pending"))
    return condition


def _taxonomy_condition(filters: Filters, *, skip: str = "") -> Q:
    condition = Q()
    for name, codes in (
        ("exam", filters.exams),
        ("discipline", filters.disciplines),
        ("system", filters.systems),
    ):
        if codes and name != skip:
            condition &= Q(**{f"{name}__code__in": codes})
    return condition


def candidates(*, user: User, filters: Filters) -> QuerySet[Question]:
    """Published questions in the chosen pools and cells."""
    return Question.objects.filter(
        _pool_condition(user, filters.pools),
        _taxonomy_condition(filters),
        status=Question.Status.PUBLISHED,
        published_version__isnull=False,
    )


def choice_counts(*, user: User, filters: Filters) -> dict[str, dict[str, int]]:
    """How many questions each choice would give, the other current choices held: 4 queries."""
    published = Question.objects.filter(
        status=Question.Status.PUBLISHED, published_version__isnull=False
    )
    pool_base = published.filter(_taxonomy_condition(filters))
    pool_counts = pool_base.aggregate(
        **{pool: Count("pk", filter=_pool_condition(user, (pool,))) for pool in POOLS}
    )
    counts = {"pools": pool_counts}
    for name in ("exam", "discipline", "system"):
        rows = (
            published.filter(
                _pool_condition(user, filters.pools), _taxonomy_condition(filters, skip=name)
            )
            .values(f"{name}__code")
            .annotate(n=Count("pk"))
        )
        counts[f"{name}s"] = {row[f"{name}__code"]: row["n"] for row in rows}
    return counts


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
    return {
        "shown": True,
        "reason": "",
        "responses": responses,
        "options": {letter: round(100 * counts.get(letter, 0) / responses) for letter in counts},
        "median_seconds": statistics.median_seconds,
    }


def item_payload(block: Block, item: BlockItem) -> dict:
    """What a student may see of an item: the only place that decides."""
    review = reviewable(block, item)
    content = item_context(item.version, reveal=review)
    payload = {
        "position": item.position,
        "question": item.question.public_id,
        "stem_html": content["stem_html"],
        "lead_in_html": content["lead_in_html"],
        "options": [{"letter": o.letter, "text_html": o.text_html} for o in content["options"]],
        "state": {
            "answer": item.answer,
            "submitted": item.submitted,
            "marked": item.marked,
            "struck": item.struck,
            "highlights": item.highlights,
            "note": item.note,
            "time_spent": item.time_spent_seconds,
        },
        "review": None,
    }
    if review:
        payload["review"] = {
            "key": item.key_letter,
            "correct": item.answer == item.key_letter,
            "options": {o.letter: o.explanation_html for o in content["options"]},
            "explanation_html": content["explanation_html"],
            "objective_html": content["objective_html"],
            "references": content["references"],
            "peers": peer_answers(item),
        }
    return payload
