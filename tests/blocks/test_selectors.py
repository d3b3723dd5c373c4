import pytest

from apps.blocks import selectors, services
from apps.blocks.services import BlockSpec
from apps.questions.models import VersionStatistics

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def _reviewed_item(student):
    block = services.block_create(user=student, spec=BlockSpec(count=1))
    ended = services.block_end(user=student, public_id=block.public_id)
    return ended, selectors.block_items(ended).get()


def _peers(student):
    block, item = _reviewed_item(student)
    return selectors.item_payload(block, item)["review"]["peers"]


def test_peer_answers_say_why_they_are_empty_before_any_statistics(student, bank):
    assert _peers(student) == {
        "shown": False,
        "reason": "Peer statistics are computed after students answer; none yet.",
        "responses": 0,
        "options": {},
        "median_seconds": None,
    }


def _statistics(bank, **values) -> None:
    for question in bank:
        VersionStatistics.objects.create(version=question.published_version, **values)


def test_peer_answers_stay_hidden_below_the_minimum_of_responses(student, bank, settings):
    settings.VIGNETTE_PEER_MIN_RESPONSES = 20
    _statistics(bank, responses=19, option_counts={"A": 10, "B": 9}, median_seconds=70.0)

    assert _peers(student) == {
        "shown": False,
        "reason": "Shown once 20 students have answered; 19 have so far.",
        "responses": 19,
        "options": {},
        "median_seconds": None,
    }


def test_peer_answers_give_every_options_share_at_the_minimum(student, bank, settings):
    settings.VIGNETTE_PEER_MIN_RESPONSES = 20
    _statistics(bank, responses=20, option_counts={"A": 13, "C": 7}, median_seconds=64.5)

    assert _peers(student) == {
        "shown": True,
        "reason": "",
        "responses": 20,
        "options": {"A": 65, "B": 0, "C": 35, "D": 0},
        "median_seconds": 64.5,
    }
