import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from apps.blocks import services
from apps.blocks.clock import seconds_left
from apps.blocks.models import Block, BlockItem, Change, QuestionState
from apps.blocks.services import BlockSpec
from apps.core.errors import InvalidInput
from apps.questions import services as question_services
from tests.blocks.conftest import CLIENT_NOW, change, publish
from tests.questions.conftest import make_draft

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def _create(student, **spec):
    return services.block_create(user=student, spec=BlockSpec(**spec))


def _apply(student, block, *changes, client_now=None):
    return services.changes_apply(
        user=student,
        public_id=block.public_id,
        changes=list(changes),
        client_now=client_now or timezone.now(),
    )


def test_block_create_pins_published_versions_and_sets_the_clock(student, bank):
    block = _create(student, count=4)

    items = list(block.items.all())
    assert (block.item_count, block.time_limit_seconds) == (4, 360)
    assert block.deadline == block.created_at.replace(microsecond=block.deadline.microsecond) or (
        block.deadline - block.last_contact_at == timedelta(seconds=360)
    )
    assert [item.position for item in items] == [1, 2, 3, 4]
    assert all(item.version_id == item.question.published_version_id for item in items)
    assert [(item.key_letter, item.option_count, item.first_attempt) for item in items] == [
        ("A", 4, True)
    ] * 4
    assert len({item.question_id for item in items}) == 4


def test_block_create_uses_the_pace_multiplier(student, bank):
    student.pace_multiplier = Decimal("1.50")
    student.save()

    block = _create(student, count=2)

    assert block.time_limit_seconds == 270


def test_block_create_is_proportional_across_cells(student, bank):
    block = _create(
        student,
        count=4,
        disciplines=("pathology", "physiology"),
        systems=("cardiovascular", "renal-urinary"),
    )

    systems = sorted(
        item.question.system.code for item in block.items.select_related("question__system")
    )
    assert systems == ["cardiovascular"] * 3 + ["renal-urinary"]


def test_block_create_asking_for_too_many_says_how_many_and_creates_nothing(student, bank):
    with pytest.raises(InvalidInput) as refused:
        _create(student, count=9)

    assert refused.value.fields == {"count": ["Only 8 question(s) match; ask for 8 or fewer."]}
    assert Block.objects.count() == 0


def test_block_create_refuses_bad_choices(student, bank):
    with pytest.raises(InvalidInput) as refused:
        _create(student, clock="fast", feedback="loud", count=41, pools=("favourites",))

    assert set(refused.value.fields) == {"clock", "feedback", "count", "pools"}
    assert Block.objects.count() == 0


def test_block_create_never_puts_enemies_together(student, editor):
    first = publish(editor, stem="First.")
    second = publish(editor, stem="Second.")
    first.enemies.add(second)

    with pytest.raises(InvalidInput) as refused:
        _create(student, count=2)
    block = _create(student, count=1)

    assert "give each other away" in refused.value.fields["count"][0]
    assert block.item_count == 1


def test_custom_block_from_question_ids(student, bank):
    ids = (bank[3].public_id, bank[0].public_id)

    block = _create(student, question_ids=ids, pools=())
    refused_ids = ("VQ-999999", bank[0].public_id)

    assert [item.question.public_id for item in block.items.all()] == list(ids)
    with pytest.raises(InvalidInput) as refused:
        _create(student, question_ids=refused_ids, pools=())
    assert refused.value.fields == {
        "question_ids": ["VQ-999999: no published question with this id."]
    }


def test_changes_last_writer_wins_whatever_the_order_they_arrive_in(student, bank):
    block = _create(student, count=2)
    later = change(1, "answer", "C", at="2026-11-25T10:00:05")
    earlier = change(1, "answer", "B", at="2026-11-25T10:00:01")

    _apply(student, block, later, client_now=CLIENT_NOW)
    result = _apply(student, block, earlier, client_now=CLIENT_NOW)

    assert result.results == [(str(earlier.change_id), "superseded")]
    assert block.items.get(position=1).answer == "C"
    assert list(Change.objects.values_list("outcome", flat=True)) == ["applied", "superseded"]


def test_changes_replayed_are_applied_once(student, bank):
    block = _create(student, count=1)
    answer = change(1, "answer", "B")
    clear = change(1, "answer", "", at="2026-11-25T10:00:09")

    _apply(student, block, answer, clear, client_now=CLIENT_NOW)
    _apply(student, block, answer, client_now=CLIENT_NOW)

    assert block.items.get().answer == ""
    assert Change.objects.count() == 2


def test_changes_replayed_with_another_clock_offset_do_not_overtake_later_ones(student, bank):
    block = _create(student, count=1)
    first = change(1, "answer", "B", at="2026-11-25T10:00:00")
    second = change(1, "answer", "C", at="2026-11-25T10:00:02")
    _apply(student, block, first, second, client_now=CLIENT_NOW)

    # The client's clock now looks an hour behind: a fresh offset would push the replay ahead.
    result = _apply(student, block, first, client_now=CLIENT_NOW - timedelta(hours=1))

    assert result.results == [(str(first.change_id), "applied")]
    assert block.items.get().answer == "C"
    assert Change.objects.count() == 2


def test_tutor_submit_locks_the_answer(student, bank):
    block = _create(student, count=1, feedback="tutor")

    _apply(student, block, change(1, "answer", "B"), change(1, "submit", "B"))
    result = _apply(student, block, change(1, "answer", "A", at="2026-11-25T11:00:00"))

    item = block.items.get()
    assert [outcome for _, outcome in result.results] == ["ignored"]
    assert (item.answer, item.submitted, item.correct) == ("B", True, False)


@pytest.mark.parametrize("phone_first", [False, True])
def test_tutor_submit_from_two_devices_gives_one_result_whatever_arrives_first(
    student, bank, phone_first
):
    """The laptop answers B at :01 and submits it at :03; the phone, offline, answered C at
    :02. In the order they were made, B is locked; so it must be in either arrival order."""
    block = _create(student, count=1, feedback="tutor")
    laptop = [
        change(1, "answer", "B", at="2026-11-25T10:00:01"),
        change(1, "submit", "B", at="2026-11-25T10:00:03"),
    ]
    phone = [change(1, "answer", "C", at="2026-11-25T10:00:02")]

    for batch in (phone, laptop) if phone_first else (laptop, phone):
        _apply(student, block, *batch, client_now=CLIENT_NOW)

    item = block.items.get()
    assert (item.answer, item.submitted, item.correct) == ("B", True, False)


def test_tutor_submit_made_earlier_wins_over_one_that_arrived_first(student, bank):
    block = _create(student, count=1, feedback="tutor")

    later = _apply(student, block, change(1, "submit", "C", at="2026-11-25T10:00:09"))
    earlier = _apply(student, block, change(1, "submit", "A", at="2026-11-25T10:00:04"))
    again = _apply(student, block, change(1, "submit", "D", at="2026-11-25T10:00:06"))

    item = block.items.get()
    outcomes = [r.results[0][1] for r in (later, earlier, again)]
    assert outcomes == ["applied", "applied", "ignored"]
    assert (item.answer, item.submitted, item.correct) == ("A", True, True)


def test_exam_feedback_ignores_submit(student, bank):
    block = _create(student, count=1)

    result = _apply(student, block, change(1, "answer", "A"), change(1, "submit", "A"))

    assert [outcome for _, outcome in result.results] == ["applied", "ignored"]
    assert block.items.get().submitted_at is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("answer", "Z", "Choose one of A, B, C, D, or nothing."),
        ("answer", "AB", "Choose one of A, B, C, D, or nothing."),
        ("answer", 3, "Choose one of A, B, C, D, or nothing."),
        ("struck", ["AB"], "List letters from A, B, C, D."),
        ("struck", ["A", "A"], "List each letter once."),
        ("marked", "yes", "Use true or false."),
        ("note", "x" * 5001, "Write at most 5000 characters."),
        ("highlights", [[5, 2]], "Give at most 200 [start, end] pairs with 0 <= start < end."),
        ("time_spent", -1, "Give whole seconds from 0 to 86400."),
        ("note", "a\x00b", "Remove the NUL character from the note."),
        ("submit", True, "Submit the letter of the answer shown: one of A, B, C, D."),
    ],
)
def test_changes_with_bad_values_are_refused_and_change_nothing(
    student, bank, field, value, message
):
    block = _create(student, count=1)

    with pytest.raises(InvalidInput) as refused:
        _apply(student, block, change(1, "answer", "B"), change(1, field, value))

    assert refused.value.fields == {"changes.1.value": [message]}
    assert block.items.get().answer == ""
    assert Change.objects.count() == 0


def test_changes_after_the_deadline_and_grace_are_refused_and_end_the_block(student, bank):
    block = _create(student, count=2)

    with time_machine.travel(block.deadline + timedelta(seconds=29)):
        in_grace = _apply(student, block, change(1, "answer", "A"))
    with time_machine.travel(block.deadline + timedelta(seconds=31)):
        late = _apply(student, block, change(2, "answer", "A"))

    block.refresh_from_db()
    assert (in_grace.refused, late.refused) == (False, True)
    assert (block.status, block.end_reason) == ("ended", "expired")
    assert (block.correct_count, block.omitted_count, block.time_used_seconds) == (1, 1, 180)
    assert block.items.get(position=2).answer == ""


def test_practice_suspend_stops_the_clock_and_test_day_does_not(student, bank, time_machine):
    time_machine.move_to("2026-11-25 10:00:00Z", tick=False)
    practice = _create(student, count=2)
    test_day = _create(student, count=2, pools=("all",), clock_runs_when_suspended=True)
    for block in (practice, test_day):
        services.block_suspend(user=student, public_id=block.public_id)

    time_machine.move_to("2026-11-25 10:02:00Z", tick=False)
    for block in (practice, test_day):
        services.block_resume(user=student, public_id=block.public_id)

    practice.refresh_from_db()
    test_day.refresh_from_db()
    now = timezone.now()
    assert (seconds_left(practice, now), seconds_left(test_day, now)) == (180, 60)


def test_idle_practice_block_suspends_itself_at_its_last_contact(student, bank, time_machine):
    time_machine.move_to("2026-11-25 10:00:00Z", tick=False)
    block = _create(student, count=2)

    time_machine.move_to("2026-11-25 10:11:00Z", tick=False)
    services.block_resume(user=student, public_id=block.public_id)

    block.refresh_from_db()
    assert block.status == "open"
    assert seconds_left(block, timezone.now()) == 180


def test_untimed_block_counts_elapsed_time(student, bank, time_machine):
    time_machine.move_to("2026-11-25 10:00:00Z", tick=False)
    block = _create(student, count=1, clock="untimed")

    time_machine.move_to("2026-11-25 10:01:35Z", tick=False)
    ended = services.block_end(user=student, public_id=block.public_id)

    assert block.deadline is None
    assert ended.time_used_seconds == 95


def test_block_end_scores(student, bank):
    block = _create(student, count=3)
    _apply(student, block, change(1, "answer", "A"), change(2, "answer", "C"))

    ended = services.block_end(user=student, public_id=block.public_id)

    assert (ended.correct_count, ended.incorrect_count, ended.omitted_count) == (1, 1, 1)
    assert list(block.items.values_list("correct", flat=True)) == [True, False, False]


def test_answers_stay_with_the_pinned_version_after_an_edit(student, editor, bank):
    block = _create(student, count=1)
    item = block.items.get()
    question = item.question
    question_services.update_question(
        question=question, user=editor, draft=make_draft(lead_in="A new lead-in?")
    )
    question_services.publish_question(question=question, user=editor)

    item.refresh_from_db()
    assert item.version.number == 1
    assert item.version.lead_in_source == "Which artery is most likely occluded?"


def test_block_delete_removes_it_from_pools_and_keeps_first_exposures_anonymous(student, bank):
    block = _create(student, count=2)
    services.block_end(user=student, public_id=block.public_id)

    services.block_delete(user=student, public_id=block.public_id)

    assert QuestionState.objects.count() == 0
    assert list(BlockItem.objects.values_list("user", "first_attempt")) == [(None, True)] * 2
    again = _create(student, count=8)
    assert again.item_count == 8
    first_time = dict(again.items.values_list("question_id", "first_attempt"))
    assert [first_time[item.question_id] for item in block.items.all()] == [False, False]
    assert sum(first_time.values()) == 6


def test_second_pass_starts_pools_afresh_without_new_first_attempts(student, bank):
    first = _create(student, count=8)
    services.block_end(user=student, public_id=first.public_id)

    services.pass_start(user=student)
    second = _create(student, count=8)

    assert second.pass_number == 2
    assert not any(second.items.values_list("first_attempt", flat=True))
    assert all(first.items.values_list("first_attempt", flat=True))


def test_history_delete_removes_every_block(student, bank):
    for _ in range(2):
        _create(student, count=2, pools=("all",))

    deleted = services.history_delete(user=student)

    assert deleted == 2
    assert Block.objects.filter(deleted_at__isnull=True).count() == 0
    assert QuestionState.objects.count() == 0


def test_time_sweep_ends_expired_blocks_running_or_suspended_on_test_day_terms(
    student, other_student, bank, time_machine
):
    time_machine.move_to("2026-11-25 10:00:00Z", tick=False)
    running = _create(student, count=1)
    test_day = _create(student, count=1, clock_runs_when_suspended=True)
    services.block_suspend(user=student, public_id=test_day.public_id)
    practice = _create(student, count=1)
    services.block_suspend(user=student, public_id=practice.public_id)
    time_machine.move_to("2026-11-25 10:00:20Z", tick=False)
    in_grace = _create(other_student, count=1)

    # The first three's time ran out 31 s ago, the last one's 11 s ago: still in grace.
    time_machine.move_to("2026-11-25 10:02:01Z", tick=False)
    changed = services.blocks_apply_time()

    statuses = dict(Block.objects.values_list("pk", "status"))
    assert changed == 2
    assert [statuses[b.pk] for b in (running, test_day, practice, in_grace)] == [
        "ended",
        "ended",
        "suspended",
        "open",
    ]
    assert Block.objects.get(pk=running.pk).end_reason == "expired"


def test_time_sweep_suspends_idle_practice_blocks_at_their_last_contact(
    student, other_student, bank, time_machine
):
    time_machine.move_to("2026-11-25 10:00:00Z", tick=False)
    timed = _create(student, count=2)
    untimed = _create(student, count=1, clock="untimed")
    other_student.pace_multiplier = Decimal("2.00")
    other_student.save()
    test_day = _create(other_student, count=5, clock_runs_when_suspended=True)  # 15 minutes

    time_machine.move_to("2026-11-25 10:10:01Z", tick=False)
    changed = services.blocks_apply_time()

    timed.refresh_from_db()
    untimed.refresh_from_db()
    test_day.refresh_from_db()
    assert changed == 2
    assert test_day.status == "open"
    assert (timed.status, timed.suspended_at, timed.remaining_seconds) == (
        "suspended",
        timed.last_contact_at,
        180,
    )
    assert (untimed.status, untimed.elapsed_seconds) == ("suspended", 0)


def test_other_students_block_is_not_found(student, other_student, bank):
    from apps.core.errors import NotFound

    block = _create(student, count=1)

    with pytest.raises(NotFound):
        _apply(other_student, block, change(1, "answer", "A"))
    assert Change.objects.count() == 0
    assert uuid.UUID(str(block.public_id))
