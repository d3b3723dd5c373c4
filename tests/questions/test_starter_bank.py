import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from apps.core.errors import InvalidInput
from apps.questions.imports import starter_bank_load
from apps.questions.models import Question

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

STARTER = Path(__file__).resolve().parents[2] / "apps" / "questions" / "starter"
BANK = json.loads((STARTER / "bank.json").read_text())["questions"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def folder(tmp_path):
    """A copy of the starter bank that a test may change."""
    copy = tmp_path / "starter"
    shutil.copytree(STARTER, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return copy


def _write(folder, questions):
    bank = json.loads((folder / "bank.json").read_text())
    (folder / "bank.json").write_text(json.dumps({**bank, "questions": questions}))


def test_starter_bank_covers_every_step_with_tables_and_figures():
    exams = Counter(item["exam"] for item in BANK)

    assert len(BANK) >= 30
    assert set(exams) == {"step1", "step2ck", "step3"}
    assert sum("|---" in item["stem"] or "| ---" in item["stem"] for item in BANK) >= 5
    assert sum(bool(item["images"]) for item in BANK) >= 3


def test_starter_bank_loads_published_and_reloads_as_is():
    first = starter_bank_load(folder=STARTER)
    again = starter_bank_load(folder=STARTER)

    assert first.counts["create"] == len(BANK)
    assert (again.counts["unchanged"], again.counts["create"], again.retired) == (len(BANK), 0, 0)
    assert Question.objects.filter(status="published").count() == len(BANK)
    figure = Question.objects.get(uid=next(i["uid"] for i in BANK if i["images"]))
    assert '<img src="/media/questions/' in figure.published_version.stem_html


def test_starter_bank_correction_becomes_a_new_version_and_removal_retires(folder):
    starter_bank_load(folder=folder)
    corrected = [{**BANK[0], "objective": BANK[0]["objective"] + " (corrected)"}, *BANK[2:]]
    _write(folder, corrected)

    result = starter_bank_load(folder=folder)

    changed = Question.objects.get(uid=BANK[0]["uid"])
    removed = Question.objects.get(uid=BANK[1]["uid"])
    assert (result.counts["update"], result.retired) == (1, 1)
    assert changed.published_version.number == 2
    assert changed.versions.get(number=1).objective_source == BANK[0]["objective"]
    assert removed.status == "retired"


def test_starter_bank_with_a_broken_item_loads_nothing(folder):
    _write(folder, [{**BANK[0], "discipline": "astrology"}, *BANK[1:]])

    with pytest.raises(InvalidInput) as refused:
        starter_bank_load(folder=folder)

    assert "Unknown discipline “astrology”." in refused.value.message
    assert Question.objects.count() == 0
