import json
import re
import shutil
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from apps.core.errors import InvalidInput
from apps.questions.imports import starter_bank_load
from apps.questions.models import Question
from apps.questions.starter import figures

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

STARTER = Path(__file__).resolve().parents[2] / "apps" / "questions" / "starter"
BANK = json.loads((STARTER / "bank.json").read_text())["questions"]
REVIEWS = json.loads((STARTER / "review.json").read_text())


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


BASIC = {
    "anatomy",
    "behavioral-science",
    "biochemistry",
    "biostatistics-epidemiology",
    "genetics",
    "histology-cell-biology",
    "immunology",
    "microbiology",
    "pathology",
    "pharmacology",
    "physiology",
}
CLINICAL = {
    "medicine",
    "surgery",
    "pediatrics",
    "obstetrics-gynecology",
    "psychiatry",
    "neurology",
    "emergency-medicine",
    "preventive-medicine",
}
STEP3_TASKS = {"management", "next best step", "prevention", "biostatistics", "ethics"}


def _disciplines(exam: str) -> Counter:
    return Counter(item["discipline"] for item in BANK if item["exam"] == exam)


def test_starter_bank_covers_every_step_discipline_and_system():
    step1, step2, step3 = (_disciplines(exam) for exam in ("step1", "step2ck", "step3"))
    systems = Counter(item["system"] for item in BANK)

    assert len(BANK) >= 150
    assert sum(step1.values()) >= 60, step1
    assert min(step1[d] for d in BASIC) >= 4, step1
    assert sum(step2.values()) >= 50, step2
    assert min(step2[d] for d in CLINICAL) >= 4, step2
    assert sum(step3.values()) >= 40, step3
    step3_tags = {tag for item in BANK if item["exam"] == "step3" for tag in item["tags"]}
    assert step3_tags >= STEP3_TASKS
    assert len(systems) == 16, systems
    assert min(systems.values()) >= 4, systems


def test_starter_bank_has_tables_and_figures_drawn_by_its_own_code(tmp_path):
    tables = [item for item in BANK if re.search(r"^\|.*\|$", item["stem"], re.MULTILINE)]
    images = [image for item in BANK for image in item["images"]]

    written = figures.write_figures(tmp_path)

    assert len(tables) >= 20
    assert len({item["uid"] for item in BANK if item["images"]}) >= 10
    assert {image["name"] for image in images} == {path.name for path in written}
    for path in written:  # the committed figures are exactly what the code draws
        assert path.read_bytes() == (STARTER / "figures" / path.name).read_bytes(), path.name


def test_starter_bank_keys_are_spread_over_the_letters():
    keys = Counter(
        "ABCDEFGHIJ"[[option["correct"] for option in item["options"]].index(True)] for item in BANK
    )
    fair = len(BANK) / 5

    assert set(keys) <= set("ABCDE")
    assert all(abs(keys[letter] - fair) <= 0.2 * fair for letter in "ABCDE"), keys


def test_starter_bank_passes_the_checker_and_counts_its_waivers():
    out = StringIO()

    call_command("check_bank", stdout=out)

    waivers = sum(len(item.get("waivers", {})) for item in BANK)
    assert f"Checked {len(BANK)} items" in out.getvalue()
    assert f"Waivers: {waivers}" in out.getvalue()
    assert "No finding left unwaived." in out.getvalue()


def test_every_starter_item_was_reviewed_by_a_second_reader():
    reviews = {review["uid"]: review for review in REVIEWS}

    assert set(reviews) == {item["uid"] for item in BANK}
    for review in reviews.values():
        assert review["reviewer"], review["uid"]
        assert review["reviewer"] != review["author"], review["uid"]
        assert all(review[key] for key in ("reviewed_on", "checklist", "guideline")), review
        assert review["verdict"] in ("accepted", "fixed")
        assert (review["verdict"] == "fixed") == bool(review["problems"]), review["uid"]
        for problem in review["problems"]:
            assert 1 <= problem["checklist"] <= 15, problem
            assert all(problem[key] for key in ("problem", "resolution")), problem


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
