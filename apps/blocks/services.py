"""Every write about blocks: create, change, suspend, resume, end, delete."""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.blocks import clock, pools, selectors
from apps.blocks.changes import IncomingChange, apply, order_key, value_problem
from apps.blocks.models import (
    MAX_ITEMS,
    SECONDS_PER_ITEM,
    Block,
    BlockItem,
    Change,
    QuestionState,
    ReportDue,
)
from apps.blocks.selection import Candidate, choose
from apps.blocks.signals import report_due
from apps.core import rawsql
from apps.core.errors import Conflict, InvalidInput
from apps.questions.models import Option, Question
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
    unknown = sorted(set(spec.pools) - set(pools.POOLS))
    if unknown or not (spec.pools or spec.question_ids):
        problems["pools"] = [f"Choose pools from {', '.join(pools.POOLS)}."]
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
    filters = pools.Filters(spec.pools, spec.exams, spec.disciplines, spec.systems)
    sample = selectors.candidate_sample(user=user, filters=filters, count=spec.count)
    available = sample.available
    if available < spec.count:
        raise InvalidInput(
            f"Only {available} question(s) match these choices.",
            fields={
                "count": [f"Only {available} question(s) match; ask for {available} or fewer."]
            },
        )
    ids = [candidate.question_id for candidate in sample.candidates]
    enemies = selectors.enemies_among(ids) if sample.enemies_possible else {}
    chosen = _choose(sample.candidates, spec.count, enemies)
    if len(chosen) == spec.count:
        return chosen
    # The sample ran short (enemies, or a cell's share moved elsewhere): choose from all.
    every, enemies = selectors.candidates(user=user, filters=filters)
    chosen = _choose(every, spec.count, enemies)
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


def _choose(candidates: list[Candidate], count: int, enemies: dict[int, set[int]]) -> list[int]:
    return choose(
        candidates,
        count,
        enemies,
        random.Random(),  # noqa: S311  not security: which questions a student practises
    )


@transaction.atomic
def block_create(*, user: User, spec: BlockSpec) -> Block:
    _check_spec(spec)
    question_ids = _custom_questions(spec) if spec.question_ids else _selected_questions(user, spec)
    now = timezone.now()
    seconds = int(SECONDS_PER_ITEM * Decimal(user.pace_multiplier) * len(question_ids))
    block = Block(
        user=user,
        pass_number=user.current_pass,
        clock=spec.clock,
        feedback=spec.feedback,
        clock_runs_when_suspended=spec.clock_runs_when_suspended,
        item_count=len(question_ids),
        time_limit_seconds=seconds if spec.clock == Block.Clock.TIMED else None,
        spec=spec.as_json(),
        last_contact_at=now,
    )
    clock.start(block, now)
    block.save()
    _items_insert(block, user, question_ids)
    _states_take_over(block)
    return block


def _items_insert(block: Block, user: User, question_ids: list[int]) -> None:
    """The block's items, in order, each pinning its question's published version with the
    key and the number of options, and a first attempt unless the student met the question
    before (in any pass, or in a deleted block): one statement. The database supplies the
    item state's defaults (see BlockItem's db_default)."""
    table = {
        "item": BlockItem._meta.db_table,
        "question": Question._meta.db_table,
        "option": Option._meta.db_table,
        "block": Block._meta.db_table,
    }
    passes = list(range(1, user.current_pass + 1))  # so the pool index seeks each pass
    sql = (
        f"INSERT INTO {table['item']} (block_id, position, user_id, pass_number, question_id,"  # noqa: S608  model names
        " version_id, key_letter, option_count, first_attempt)"
        " SELECT %s, p.column1, %s, %s, q.id, q.published_version_id,"
        f"  (SELECT MAX(o.letter) FROM {table['option']} o"
        "   WHERE o.version_id = q.published_version_id AND o.is_correct),"
        f"  (SELECT COUNT(*) FROM {table['option']} o WHERE o.version_id = q.published_version_id),"
        f"  NOT (EXISTS(SELECT 1 FROM {table['item']} i WHERE i.user_id = %s"
        f"   AND i.pass_number IN ({rawsql.placeholders(len(passes))}) AND i.question_id = q.id)"
        f"  OR EXISTS(SELECT 1 FROM {table['item']} i JOIN {table['block']} b ON b.id = i.block_id"
        "   WHERE b.user_id = %s AND b.deleted_at IS NOT NULL AND i.question_id = q.id))"
        f" FROM (VALUES {', '.join(['(%s, %s)'] * len(question_ids))}) p"
        f" JOIN {table['question']} q ON q.id = p.column2"
    )
    parameters = [block.pk, user.pk, user.current_pass, user.pk, *passes, user.pk]
    for position, question_id in enumerate(question_ids, start=1):
        parameters += [position, question_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)


def _states_take_over(block: Block) -> None:
    """The new block's questions are pending in the student's pass, each state naming its new
    item: one statement, whether the state is new or was another block's."""
    states, items = QuestionState._meta.db_table, BlockItem._meta.db_table
    sql = (
        f"INSERT INTO {states} (user_id, pass_number, question_id, last_item_id, status, marked)"  # noqa: S608
        f" SELECT user_id, pass_number, question_id, id, %s, %s FROM {items} WHERE block_id = %s"
        " ON CONFLICT (user_id, pass_number, question_id) DO UPDATE SET"
        " last_item_id = excluded.last_item_id, status = excluded.status, marked = excluded.marked"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [QuestionState.Status.PENDING, False, block.pk])


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


def _report_due(user_id: int, now: datetime) -> None:
    """Mark the student's report as behind their blocks, in this transaction, and tell whoever
    keeps reports (the mark survives a lost message; the message saves waiting for a sweep)."""
    ReportDue.objects.bulk_create(
        [ReportDue(user_id=user_id, since=now)],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["since"],
    )
    report_due.send(sender=ReportDue, user_id=user_id)


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
    _report_due(block.user_id, now)


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
            (
                block.pk,
                change.change_id,
                change.position,
                change.field,
                change.value,
                change.client_time,
                made_at,
                now,
                outcome,
            )
        )
    # Two batches racing with the same new change: the log's unique key keeps one.
    rawsql.insert_ignoring_conflicts(Change, _LOG_COLUMNS, log)
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


_LOG_COLUMNS = (
    "block",
    "change_id",
    "position",
    "field",
    "value",
    "client_time",
    "made_at",
    "received_at",
    "outcome",
)


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
    "submit": ("answer", "answer_key", "submitted_at", "correct"),
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
        # Within the grace period, ending (as the exam page does when its clock runs out)
        # is time running out, not the student finishing early.
        time_up = clock.is_timed(block) and block.deadline is not None and now >= block.deadline
        reason = Block.EndReason.EXPIRED if time_up else Block.EndReason.FINISHED
        _finish(block, now, reason)
    return block


@transaction.atomic
def block_delete(*, user: User, public_id) -> None:
    """Remove a block from the student's views, pools and reports; first exposures stay,
    anonymised, in peer statistics."""
    block, now = _locked_block(user, public_id)
    items = list(block.items.all())
    block.deleted_at = now
    if block.status == Block.Status.ENDED:
        block.save(update_fields=["deleted_at"])
        _report_due(user.pk, now)
    else:
        _finish(block, now, Block.EndReason.FINISHED)  # saves deleted_at; marks the report due
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


def blocks_apply_time(*, user: User | None = None) -> int:
    """Apply what time has done to every block it changed (or to this student's): end those
    whose time ran out more than the grace period ago, running or suspended on test-day
    terms, and suspend practice blocks left without contact; the number changed. The
    periodic task calls it every minute; blocks_listed calls it for its student first."""
    now = timezone.now()
    blocks = Block.objects.filter(user=user) if user else Block.objects.all()
    expired = blocks.filter(
        status__in=[Block.Status.OPEN, Block.Status.SUSPENDED], deadline__lt=now - clock.GRACE
    )
    idle = blocks.filter(
        Q(clock=Block.Clock.UNTIMED) | Q(clock_runs_when_suspended=False),
        status=Block.Status.OPEN,
        last_contact_at__lt=now - clock.IDLE_SUSPEND_AFTER,
    )
    changed = 0
    due = (
        expired.order_by()
        .values_list("pk", flat=True)
        .union(idle.order_by().values_list("pk", flat=True))
    )
    for pk in due:
        with transaction.atomic():
            block = Block.objects.select_for_update().get(pk=pk)
            status = block.status
            changed += block_refresh(block, now).status != status
    return changed


def blocks_listed(
    user: User, *, status: str = "", pass_number: int | None = None
) -> QuerySet[Block]:
    """The student's blocks for a list, after time has ended or suspended what it should."""
    blocks_apply_time(user=user)
    return selectors.blocks_of(user, status=status, pass_number=pass_number)


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
