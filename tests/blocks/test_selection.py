import random

import pytest

from apps.blocks.selection import Candidate, allocate, choose

pytestmark = [pytest.mark.unit]


@pytest.mark.parametrize(
    ("available", "total", "expected"),
    [
        ({"a": 6, "b": 2}, 4, {"a": 3, "b": 1}),
        ({"a": 1, "b": 1, "c": 1}, 2, {"a": 1, "b": 1, "c": 0}),
        ({"a": 10, "b": 1}, 5, {"a": 5, "b": 0}),
        ({"a": 2, "b": 30}, 40, {"a": 2, "b": 30}),
        ({"a": 0, "b": 5}, 3, {"a": 0, "b": 3}),
    ],
)
def test_allocate_is_proportional_by_largest_remainder(available, total, expected):
    assert allocate(available, total) == expected


def test_choose_never_repeats_and_never_puts_enemies_together():
    candidates = [Candidate(n, ("x", "y")) for n in range(1, 11)]
    enemies = {1: {2}, 2: {1}, 3: {4, 5}, 4: {3}, 5: {3}}

    for seed in range(50):
        chosen = choose(candidates, 8, enemies, random.Random(seed))

        assert len(chosen) == len(set(chosen)) == 8
        assert not ({1, 2} <= set(chosen))
        assert not ({3, 4} <= set(chosen))
        assert not ({3, 5} <= set(chosen))


def test_choose_gives_fewer_when_enemies_leave_too_few():
    candidates = [Candidate(1, ("x", "y")), Candidate(2, ("x", "y"))]

    assert len(choose(candidates, 2, {1: {2}, 2: {1}}, random.Random(1))) == 1
