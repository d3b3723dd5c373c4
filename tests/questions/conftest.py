import io

import pytest
from PIL import Image

from apps.questions import services
from apps.questions.formats.base import ItemDraft, OptionDraft


def make_draft(**changes) -> ItemDraft:
    """A sound Step 1 pathology item; tests change what they are about."""
    values = {
        "position": 1,
        "markup": "markdown",
        "exam": "step1",
        "discipline": "pathology",
        "system": "cardiovascular",
        "tags": ["myocardial infarction"],
        "stem": "A 58-year-old man has crushing chest pain for 2 hours. **ECG**: ST elevation.",
        "lead_in": "Which artery is most likely occluded?",
        "options": [
            OptionDraft("Left anterior descending artery", "Right: anterior leads.", True),
            OptionDraft("Right coronary artery", "Wrong: inferior leads.", False),
            OptionDraft("Left circumflex artery", "Wrong: lateral leads.", False),
            OptionDraft("Posterior descending artery", "Wrong: posterior wall.", False),
        ],
        "explanation": "Anterior ST elevation points to the LAD.",
        "objective": "Match ECG leads to coronary territories.",
        "references": ["Robbins Basic Pathology, 10th ed."],
    }
    return ItemDraft(**{**values, **changes})


def png_bytes(size=(40, 30), color=(200, 30, 30), fmt="PNG", **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt, **save)
    return out.getvalue()


@pytest.fixture
def draft():
    return make_draft()


@pytest.fixture
def question(author):
    return services.question_create(user=author, draft=make_draft())


@pytest.fixture
def published(author, editor):
    question = services.question_create(user=author, draft=make_draft())
    return services.question_publish(question=question, user=editor)
