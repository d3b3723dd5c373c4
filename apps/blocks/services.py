"""Every write about blocks: create, change, suspend, resume, end, delete."""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from apps.accounts.models import User
from apps.blocks import clock, selectors
from apps.blocks.changes import IncomingChange, apply, order_key, value_problem
from apps.blocks.models import MAX_ITEMS, SECONDS_PER_ITEM, Block, BlockItem, Change, QuestionState
from apps.blocks.selection import Candidate, choose
from apps.core import rawsql
from apps.core.errors import Conflict, InvalidInput
from apps.questions.models import Question
from apps.questions.selectors import parse_public_id

# A client's clock may be off; its offset is trusted only this far.
MAX_CLOCK_OFFSET = timedelta(days=1)
MAX_BATCH = 500
CONTACT_WRITE_EVERY = timedelta(seconds=30)


class BlockClosed(Conflict):
    code = "block_closed"
    message = "This block has ended; changes are no longer accepted."


# --- Creating ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockSpec:
    clock: str = Block.Clock.TIMED
    feedback: str = Block.Feedback.EXAM
    count: int = 40
    pools: tuple[str, ...] = ("unused",)
    exams: tuple[str, ...] = ()
    disciplines: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()
    clock_runs_when_suspended: bool = False
    question_ids: tuple[str, ...] = field(default=())  # a custom block: these, in this order

    @classmethod
    def from_choices(cls, choices: dict) -> "BlockSpec":
        """From a form's or a serializer's cleaned data (lists become tuples)."""
        values = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in choices.items()
            if name in cls.__dataclass_fields__
        }
        return cls(**values)

    def as_json(self) -> dict:
        return {
            "pools": list(self.pools),
            "exams": list(self.exams),
            "disciplines": list(self.disciplines),
            "systems": list(self.systems),
            "question_ids": list(self.question_ids),
        }


def _check_spec(spec: BlockSpec) -> None:
    problems = {}
    if spec.clock not in Block.Clock.values:
        problems["clock"] = ["Choose timed or untimed."]
    if spec.feedback not in Block.Feedback.values:
        problems["feedback"] = ["Choose exam or tutor feedback."]
    if not spec.question_ids and not 1 <= spec.count <= MAX_ITEMS:
        problems["count"] = [f"Choose 1 to {MAX_ITEMS} items."]
    if len(spec.question_ids) > MAX_ITEMS:
        problems["question_ids"] = [f"A block holds at most {MAX_ITEMS} questions."]
    unknown = sorted(set(spec.pools) - set(selectors.POOLS))
    if unknown or not (spec.pools or spec.question_ids):
        problems["pools"] = [f"Choose pools from {', '.join(selectors.POOLS)}."]
    if problems:
        raise InvalidInput("The block cannot be made this way.", fields=problems)


def _custom_questions(spec: BlockSpec) -> list[int]:
    ids = [parse_public_id(public_id) for public_id in spec.question_ids]
    found = Question.objects.filter(
        pk__in=[pk for pk in ids if pk], status=Question.Status.PUBLISHED
    ).prefetch_related("enemies")
    by_id = {question.pk: question for question in found}
    missing = [
        public_id for public_id, pk in zip(spec.question_ids, ids, strict=True) if pk not in by_id
    ]
    if missing:
        raise InvalidInput(
            fields={"question_ids": [f"{', '.join(missing)}: no published question with this id."]}
        )
    if len(set(ids)) != len(ids):
        raise InvalidInput(fields={"question_ids": ["A question may appear once in a block."]})
    chosen = set(ids)
    for question in by_id.values():
        clash = [enemy.public_id for enemy in question.enemies.all() if enemy.pk in chosen]
        if clash:
            raise InvalidInput(
                fields={
                    "question_ids": [
                        f"{question.public_id} and {clash[0]} must not share a block: one gives "
                        "the other away."
                    ]
                }
            )
    return ids


def _selected_questions(user: User, spec: BlockSpec) -> list[int]:
    filters = selectors.Filters(spec.pools, spec.exams, spec.disciplines, spec.systems)
    available, sample = selectors.candidate_sample(user=user, filters=filters, count=spec.count)
    if available < spec.count:
        raise InvalidInput(
            f"Only {available} question(s) match these choices.",
            fields={
                "count": [f"Only {available} question(s) match; ask for {available} or fewer."]
            },
        )
    chosen = _choose(sample, spec.count, [row[0] for row in sample])
    if len(chosen) < spec.count:
        # The sample ran short (enemies, or a cell's share moved elsewhere): choose from all.
        everything = selectors.candidates(user=user, filters=filters)
        rows = everything.values_list("pk", "discipline_id", "system_id", "pk")
        chosen = _choose(list(rows), spec.count, everything.values("pk"))
    if len(chosen) < spec.count:
        raise InvalidInput(
            fields={
                "count": [
                    f"Only {len(chosen)} of the matching questions can share a block (some give "
                    f"each other away); ask for {len(chosen)} or fewer."
                ]
            }
        )
    return chosen


def _choose(rows: list[tuple], count: int, ids) -> list[int]:
    """Proportionally across cells, no enemies together, from (id, discipline, system, …);
    `ids` names the same questions (a list, or a query for many)."""
    enemies: dict[int, set[int]] = {}
    for left, right in Question.enemies.through.objects.filter(
        from_question_id__in=ids, to_question_id__in=ids
    ).values_list("from_question_id", "to_question_id"):
        enemies.setdefault(left, set()).add(right)
    return choose(
        (Candidate(pk, (discipline, system)) for pk, discipline, system, _ in rows),
        count,
        enemies,
        random.Random(),  # noqa: S311  not security: which questions a student practises
    )


@dataclass(frozen=True)
class Pinned:
    """A question's published version as a block pins it."""

    question_id: int
    version_id: int
    key_letter: str
    option_count: int


def _pinned(question_ids: list[int]) -> list[Pinned]:
    """Each question's published version with its key and number of options, in the order
    given: one query."""
    options = "published_version__options"
    rows = (
        Question.objects.filter(pk__in=question_ids)
        .values("pk", "published_version_id")
        .annotate(
            key=Max(f"{options}__letter", filter=Q(**{f"{options}__is_correct": True})),
            option_count=Count(options),
        )
        .values_list("pk", "published_version_id", "key", "option_count")
    )
    found = {row[0]: Pinned(*row) for row in rows}
    return [found[pk] for pk in question_ids]


# A question's state is one row per student and pass: a new item takes it over.
_STATE_UPSERT = {
    "update_conflicts": True,
    "unique_fields": ["user", "pass_number", "question"],
    "update_fields": ["last_item", "status", "marked"],
}

# The columns a new item sets; the database supplies the rest (see BlockItem's db_default).
_NEW_ITEM_COLUMNS = (
    "block",
    "position",
    "user",
    "pass_number",
    "question",
    "version",
    "key_letter",
    "option_count",
    "first_attempt",
)


@transaction.atomic
def block_create(*, user: User, spec: BlockSpec) -> Block:
    _check_spec(spec)
    question_ids = _custom_questions(spec) if spec.question_ids else _selected_questions(user, spec)
    pinned = _pinned(question_ids)
    seen = _seen_before(user, question_ids)
    now = timezone.now()
    seconds = int(SECONDS_PER_ITEM * Decimal(user.pace_multiplier) * len(pinned))
    block = Block(
        user=user,
        pass_number=user.current_pass,
        clock=spec.clock,
        feedback=spec.feedback,
        clock_runs_when_suspended=spec.clock_runs_when_suspended,
        item_count=len(pinned),
        time_limit_seconds=seconds if spec.clock == Block.Clock.TIMED else None,
        spec=spec.as_json(),
        last_contact_at=now,
    )
    clock.start(block, now)
    block.save()
    new_items = rawsql.insert(
        BlockItem,
        _NEW_ITEM_COLUMNS,
        [
            (
                block.pk,
                position,
                user.pk,
                user.current_pass,
                question.question_id,
                question.version_id,
                question.key_letter,
                question.option_count,
                question.question_id not in seen,
            )
            for position, question in enumerate(pinned, start=1)
        ],
        returning=("id", "question"),
    )
    QuestionState.objects.bulk_create(
        [
            QuestionState(
                user=user,
                pass_number=user.current_pass,
                question_id=question_id,
                last_item_id=item_id,
                status=QuestionState.Status.PENDING,
            )
            for item_id, question_id in new_items
        ],
        **_STATE_UPSERT,
    )
    return block


def _seen_before(user: User, question_ids: list[int]) -> set[int]:
    """The questions this student met before, in any pass or in a deleted block (whose items
    no longer name the student): two indexed lookups, not a scan of every student's items."""
    own = BlockItem.objects.filter(
        user=user,
        pass_number__in=range(1, user.current_pass + 1),  # so the pool index seeks each pass
        question_id__in=question_ids,
    )
    deleted = BlockItem.objects.filter(
        block__user=user, block__deleted_at__isnull=False, question_id__in=question_ids
    )
    return set(
        own.order_by()
        .values_list("question_id", flat=True)
        .union(deleted.order_by().values_list("question_id", flat=True))
    )


# --- Keeping time ------------------------------------------------------------------------------


def _item_finals(block: Block, items: list[BlockItem]) -> None:
    for item in items:
        item.correct = item.answer == item.key_letter


def _score(block: Block, items: list[BlockItem], now: datetime) -> None:
    answered = [item for item in items if item.answer]
    block.correct_count = sum(1 for item in answered if item.answer == item.key_letter)
    block.incorrect_count = len(answered) - block.correct_count
    block.omitted_count = len(items) - len(answered)
    block.time_used_seconds = clock.elapsed_seconds(block, now)


def _state_of(item: BlockItem) -> str:
    if not item.answer:
        return QuestionState.Status.OMITTED
    return QuestionState.Status.CORRECT if item.correct else QuestionState.Status.INCORRECT


def _finish(block: Block, now: datetime, reason: str) -> None:
    """End a locked block: score it and make every item's result final."""
    items = list(block.items.all())
    if clock.is_timed(block) and reason == Block.EndReason.EXPIRED:
        # Time used is the whole allowance, not the grace period after it.
        now = min(now, block.deadline or now)
    _item_finals(block, items)
    _score(block, items, now)
    block.status = Block.Status.ENDED
    block.ended_at = now
    block.end_reason = reason
    if not clock.is_timed(block) and block.running_since:
        block.elapsed_seconds = clock.elapsed_seconds(block, now)
        block.running_since = None
    block.deadline = block.deadline if clock.is_timed(block) else None
    block.save()
    BlockItem.objects.bulk_update(items, ["correct"])
    # The questions whose latest item is in this block now stand as this block left them.
    states = list(QuestionState.objects.filter(last_item__in=items))
    by_item = {item.pk: item for item in items}
    for state in states:
        item = by_item[state.last_item_id]
        state.status, state.marked = _state_of(item), item.marked
    QuestionState.objects.bulk_update(states, ["status", "marked"])


def block_refresh(block: Block, now: datetime) -> Block:
    """Apply what time has done to a locked block: idle suspension, or its end.

    A practice block left alone for 10 minutes was suspended at its last contact, even if its
    time would have run out since: its clock stopped then.
    """
    if clock.idle_suspension_due(block, now):
        clock.pause(block, block.last_contact_at)
        block.save()
    elif block.status != Block.Status.ENDED and clock.past_grace(block, now):
        _finish(block, now, Block.EndReason.EXPIRED)
    return block


def _locked_block(user: User, public_id) -> tuple[Block, datetime]:
    block = selectors.block_for_user(user=user, public_id=public_id, lock=True)
    now = timezone.now()
    return block_refresh(block, now), now


@transaction.atomic
def block_open(*, user: User, public_id) -> tuple[Block, datetime]:
    """A block as time has left it: every read goes through here, so expiry is never missed."""
    return _locked_block(user, public_id)


# --- Changes -----------------------------------------------------------------------------------


@dataclass
class ChangeResult:
    block: Block
    items: list[BlockItem]
    results: list[tuple[str, str]]  # (change id, outcome), in the order the changes came
    now: datetime

    @property
    def refused(self) -> bool:
        """The block had ended (perhaps just now, its time up): nothing was applied."""
        return self.block.status == Block.Status.ENDED


def _check_changes(changes: list[IncomingChange], items: dict[int, BlockItem]) -> None:
    problems: dict[str, list[str]] = {}
    for index, change in enumerate(changes):
        item = items.get(change.position)
        if item is None:
            problems[f"changes.{index}.position"] = ["This block has no item at this position."]
            continue
        problem = value_problem(change, item)
        if problem:
            problems[f"changes.{index}.value"] = [problem]
    if problems:
        raise InvalidInput("Some changes cannot be applied; none were.", fields=problems)


@transaction.atomic
def changes_apply(
    *, user: User, public_id, changes: list[IncomingChange], client_now: datetime
) -> ChangeResult:
    """Apply a batch of changes in a fixed number of statements, whatever its size."""
    if not 1 <= len(changes) <= MAX_BATCH:
        raise InvalidInput(fields={"changes": [f"Send 1 to {MAX_BATCH} changes at once."]})
    found, replayed = selectors.items_for_changes(
        user=user,
        public_id=public_id,
        positions={change.position for change in changes},
        change_ids=[change.change_id for change in changes],
    )
    items = {item.position: item for item in found}
    now = timezone.now()
    block = block_refresh(found[0].block, now)
    if block.status == Block.Status.ENDED:
        # Not raised here: ending the block on its deadline must be kept, not rolled back.
        return ChangeResult(block, [], {}, now)
    _check_changes(changes, items)
    # A change sent again keeps the outcome it had; applying it again with this batch's clock
    # offset could let it overtake a later change.
    outcomes = _logged_outcomes(block, changes) if replayed else {}
    offset = max(min(now - client_now, MAX_CLOCK_OFFSET), -MAX_CLOCK_OFFSET)
    tutor = block.feedback == Block.Feedback.TUTOR
    log, touched, changed = [], {}, set()
    for change in changes:
        touched[change.position] = items[change.position]
        if str(change.change_id) in outcomes:
            continue
        made_at = change.client_time + offset
        item = items[change.position]
        outcome = apply(item, change, order_key(made_at, change.change_id), now, tutor=tutor)
        outcomes[str(change.change_id)] = outcome
        if outcome == Change.Outcome.APPLIED:
            changed.update(CHANGED_FIELDS[change.field])
        log.append(
            Change(
                block=block,
                change_id=change.change_id,
                position=change.position,
                field=change.field,
                value=change.value,
                client_time=change.client_time,
                made_at=made_at,
                received_at=now,
                outcome=outcome,
            )
        )
    # Two batches racing with the same new change: the log's unique key keeps one.
    Change.objects.bulk_create(log, ignore_conflicts=True)
    if changed:
        _save_items(list(touched.values()), sorted(changed))
    # The last contact (for idle suspension) is written at most every 30 s, and not by a batch
    # whose answer shows an item's review, which costs two reads of its own.
    shows_review = any(selectors.reviewable(block, item) for item in touched.values())
    if not shows_review and now - block.last_contact_at > CONTACT_WRITE_EVERY:
        block.last_contact_at = now
        block.save(update_fields=["last_contact_at"])
    results = [(str(change.change_id), outcomes[str(change.change_id)]) for change in changes]
    return ChangeResult(block, list(touched.values()), results, now)


def _logged_outcomes(block: Block, changes: list[IncomingChange]) -> dict[str, str]:
    logged = Change.objects.filter(
        block=block, change_id__in=[change.change_id for change in changes]
    ).values_list("change_id", "outcome")
    return {str(change_id): outcome for change_id, outcome in logged}


def _save_items(items: list[BlockItem], fields: list[str]) -> None:
    """One UPDATE: plain for one item (the usual batch), CASE per column for several."""
    if len(items) == 1:
        rawsql.update(items[0], fields)
    else:
        BlockItem.objects.bulk_update(items, fields)


# The item columns each kind of change writes; a batch updates only those it touched.
CHANGED_FIELDS = {
    "answer": ("answer", "answer_key"),
    "submit": ("submitted_at", "correct"),
    "marked": ("marked", "marked_key"),
    "struck": ("struck", "struck_key"),
    "highlights": ("highlights", "highlights_key"),
    "note": ("note", "note_key"),
    "time_spent": ("time_spent_seconds", "time_spent_key"),
}


# --- Suspend, resume, end, delete ------------------------------------------------------------


@transaction.atomic
def block_suspend(*, user: User, public_id) -> Block:
    block, now = _locked_block(user, public_id)
    if block.status != Block.Status.OPEN:
        state = block.get_status_display().lower()
        raise Conflict(f"This block is {state}; only an open block can be suspended.")
    clock.pause(block, now)
    block.save()
    return block


@transaction.atomic
def block_resume(*, user: User, public_id) -> Block:
    block, now = _locked_block(user, public_id)
    if block.status == Block.Status.ENDED:
        raise BlockClosed()
    if block.status == Block.Status.SUSPENDED:
        clock.resume(block, now)
    else:
        block.last_contact_at = now
    block.save()
    return block


@transaction.atomic
def block_end(*, user: User, public_id) -> Block:
    block, now = _locked_block(user, public_id)
    if block.status != Block.Status.ENDED:
        _finish(block, now, Block.EndReason.FINISHED)
    return block


@transaction.atomic
def block_delete(*, user: User, public_id) -> None:
    """Remove a block from the student's views, pools and reports; first exposures stay,
    anonymised, in peer statistics."""
    block, now = _locked_block(user, public_id)
    items = list(block.items.all())
    block.deleted_at = now
    if block.status != Block.Status.ENDED:
        _finish(block, now, Block.EndReason.FINISHED)
    block.save(update_fields=["deleted_at"])
    BlockItem.objects.filter(block=block).update(user=None)
    _restore_states(user, [item.question_id for item in items], block.pass_number)


def _restore_states(user: User, question_ids: list[int], pass_number: int) -> None:
    """Point each question's state at the student's latest remaining item, or drop it."""
    QuestionState.objects.filter(
        user=user, pass_number=pass_number, question_id__in=question_ids
    ).delete()
    latest = {}
    for item in (
        BlockItem.objects.filter(user=user, pass_number=pass_number, question_id__in=question_ids)
        .select_related("block")
        .order_by("id")
    ):
        latest[item.question_id] = item
    for item in latest.values():
        status = (
            _state_of(item)
            if item.block.status == Block.Status.ENDED or item.submitted
            else QuestionState.Status.PENDING
        )
        QuestionState.objects.create(
            user=user,
            pass_number=pass_number,
            question_id=item.question_id,
            last_item=item,
            status=status,
            marked=item.marked,
        )


def blocks_close_expired() -> int:
    """End every block whose time ran out more than the grace period ago (periodic task)."""
    now = timezone.now()
    due = Block.objects.filter(
        status=Block.Status.OPEN, deadline__lt=now - clock.GRACE
    ).values_list("pk", flat=True)
    closed = 0
    for pk in due:
        with transaction.atomic():
            block = block_refresh(Block.objects.select_for_update().get(pk=pk), now)
            closed += block.status == Block.Status.ENDED
    return closed


@transaction.atomic
def pass_start(*, user: User) -> User:
    """Begin another pass: pools start afresh; earlier blocks stay, labelled by their pass."""
    User.objects.filter(pk=user.pk).update(current_pass=F("current_pass") + 1)
    user.refresh_from_db(fields=["current_pass"])
    return user


def history_delete(*, user: User) -> int:
    """Delete every block of the student's (see block_delete); the number deleted."""
    public_ids = list(
        Block.objects.filter(user=user, deleted_at__isnull=True).values_list("public_id", flat=True)
    )
    for public_id in public_ids:
        block_delete(user=user, public_id=public_id)
    return len(public_ids)
