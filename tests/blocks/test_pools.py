"""The pool and filter rules, written once as SQL, for drawing a block and counting choices."""

from itertools import combinations

import pytest

from apps.blocks import selectors, services
from apps.blocks.pools import POOLS, Filters
from apps.blocks.services import BlockSpec
from apps.questions.models import Discipline, System
from tests.blocks.conftest import CLIENT_NOW, change, none_but

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


@pytest.fixture
def history(student, bank):
    """Question ids by where they stand: one each correct, incorrect, omitted and marked in an
    ended block; one marked in a block still open; the rest unused."""
    ended = services.block_create(user=student, spec=BlockSpec(count=3, pools=("unused",)))
    services.changes_apply(
        user=student,
        public_id=ended.public_id,
        changes=[change(1, "answer", "A"), change(2, "answer", "B"), change(3, "marked", True)],
        client_now=CLIENT_NOW,
    )
    services.block_end(user=student, public_id=ended.public_id)
    still_open = services.block_create(user=student, spec=BlockSpec(count=1))
    services.changes_apply(
        user=student,
        public_id=still_open.public_id,
        changes=[change(1, "marked", True)],
        client_now=CLIENT_NOW,
    )
    items = {item.position: item.question_id for item in ended.items.all()}
    pending = still_open.items.get().question_id
    return {
        "correct": {items[1]},
        "incorrect": {items[2]},
        "omitted": {items[3]},
        "marked": {items[3]},
        "unused": {q.pk for q in bank} - {*items.values(), pending},
        "all": {q.pk for q in bank},
    }


def _drawable(student, **filters) -> set[int]:
    found, _ = selectors.candidates(user=student, filters=Filters(**filters))
    return {candidate.question_id for candidate in found}


def test_every_combination_of_pools_is_the_union_of_its_pools(student, history):
    for size in (1, 2, 3):
        for chosen in combinations(POOLS, size):
            expected = set().union(*(history[pool] for pool in chosen))
            assert _drawable(student, pools=chosen) == expected, chosen


def test_pool_counts_equal_what_a_block_could_draw(student, history):
    counts = selectors.choice_counts(user=student, filters=Filters())

    assert counts["pools"] == {pool: len(ids) for pool, ids in history.items()}
    assert counts["pools"] == {
        pool: selectors.candidate_sample(user=student, filters=Filters((pool,)), count=1).available
        for pool in POOLS
    }


def test_filters_narrow_by_code_and_each_axis_counts_without_its_own(student, history, bank):
    renal = {q.pk for q in bank if q.system.code == "renal-urinary"}

    drawable = _drawable(student, pools=("all",), systems=("renal-urinary",))
    none_such = _drawable(student, pools=("all",), disciplines=("anatomy",))
    counts = selectors.choice_counts(
        user=student, filters=Filters(("all",), systems=("renal-urinary",))
    )

    assert drawable == renal
    assert none_such == set()
    assert counts["systems"] == none_but(System, cardiovascular=6, renal_urinary=2)
    assert counts["disciplines"] == none_but(Discipline, physiology=2)
    assert counts["pools"]["all"] == 2


def test_another_students_answers_change_nothing(student, other_student, history):
    theirs = services.block_create(user=other_student, spec=BlockSpec(count=8))
    services.block_end(user=other_student, public_id=theirs.public_id)

    assert _drawable(student, pools=("unused",)) == history["unused"]
    assert _drawable(student, pools=("omitted",)) == history["omitted"]
