import uuid
from datetime import UTC, datetime

import pytest
from django.db import transaction

from apps.blocks.changes import IncomingChange
from apps.questions import services as question_services
from tests.questions.conftest import make_draft


@transaction.atomic
def publish(editor, **changes):
    """A published question (in a transaction of its own, as the services expect)."""
    draft = make_draft(**changes)
    question = question_services.create_question(user=editor, draft=draft)
    return question_services.publish_question(question=question, user=editor)


@pytest.fixture
def bank(editor):
    """Eight published questions: six pathology/cardiovascular, two physiology/renal."""
    questions = [publish(editor, stem=f"Cardio case {n}.") for n in range(6)]
    questions += [
        publish(editor, stem=f"Renal case {n}.", discipline="physiology", system="renal-urinary")
        for n in range(2)
    ]
    return questions


def change(position, field, value, *, at="2026-11-25T10:00:00", change_id=None):
    return IncomingChange(
        change_id=change_id or uuid.uuid4(),
        position=position,
        field=field,
        value=value,
        client_time=datetime.fromisoformat(at).replace(tzinfo=UTC),
    )


def none_but(model, **counts) -> dict[str, int]:
    """Choice counts for every code of a taxonomy model: these, and 0 for the rest."""
    every = dict.fromkeys(model.objects.values_list("code", flat=True), 0)
    return every | {code.replace("_", "-"): n for code, n in counts.items()}


CLIENT_NOW = datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)
