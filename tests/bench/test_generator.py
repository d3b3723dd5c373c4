"""The benchmark data generator writes what the services would, and the services keep it so."""

import uuid

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.blocks import services
from apps.blocks.changes import IncomingChange
from apps.blocks.models import Block, BlockItem, QuestionState
from apps.blocks.services import BlockSpec
from apps.questions.models import Question
from bench.generator import CHECKS, build, check
from bench.profiles import PROFILES, heavy_usernames

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]

TINY = PROFILES["tiny"]


def _answer_all(user: User, block: Block, letter: str) -> None:
    now = timezone.now()
    services.changes_apply(
        user=user,
        public_id=block.public_id,
        changes=[
            IncomingChange(uuid.uuid4(), position, "answer", letter, now)
            for position in range(1, block.item_count + 1)
        ],
        client_now=now,
    )


def test_tiny_profile_holds_every_invariant_and_the_services_keep_them(taxonomy):
    counts = build("tiny")

    heavy = User.objects.get(username=heavy_usernames(TINY)[0])
    assert check() == dict.fromkeys(CHECKS, 0)
    assert counts["questions_question"] == Question.objects.count() == TINY.questions
    assert counts["accounts_user"] == TINY.all_students
    assert BlockItem.objects.filter(user=heavy).count() == TINY.heavy_responses

    ended = services.block_create(user=heavy, spec=BlockSpec(count=10, pools=("all",)))
    _answer_all(heavy, ended, "A")
    services.block_end(user=heavy, public_id=ended.public_id)
    deleted = services.block_create(user=heavy, spec=BlockSpec(count=5, pools=("incorrect",)))
    services.block_delete(user=heavy, public_id=deleted.public_id)
    services.block_create(user=heavy, spec=BlockSpec(count=5, pools=("unused", "marked")))

    assert check() == dict.fromkeys(CHECKS, 0)
    assert QuestionState.objects.filter(user=heavy, status="pending").count() == 5
