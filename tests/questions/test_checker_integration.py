"""The item-writing checker where authors and editors meet it: the editor and the question page,
the import's dry-run report, the API, the native format's waivers and `manage.py check_bank`."""

import json
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.questions import exports, imports, item_checks, services
from apps.questions.formats import native
from apps.questions.formats.base import ImportSource, OptionDraft
from apps.questions.models import Question
from tests.questions.conftest import make_draft
from tests.questions.test_imports import Importer
from tests.questions.test_starter_bank import BANK, STARTER
from tests.questions.test_views import _form

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

OF_THE_ABOVE = [
    OptionDraft("Left anterior descending", "Anterior leads.", True),
    OptionDraft("Right coronary artery", "Inferior leads.", False),
    OptionDraft("Left circumflex artery", "Lateral leads.", False),
    OptionDraft("None of the above", "Never a good option.", False),
]


def checked_draft(**changes):
    """A draft the checker passes (its reference is on the vetted list), but for `changes`."""
    return make_draft(references=[item_checks.vetted_citations()[0]], **changes)


@pytest.fixture
def importer(django_capture_on_commit_callbacks):
    return Importer(django_capture_on_commit_callbacks)


def test_question_page_lists_findings_and_marks_the_waived(client, author):
    question = services.question_create(
        user=author,
        draft=make_draft(
            options=OF_THE_ABOVE, objective="", waivers={"objective": "Left for the editor."}
        ),
    )
    client.force_login(author)

    page = client.get(reverse("questions:detail", args=[question.public_id])).content.decode()

    assert "Item-writing checks" in page
    assert "Option D says “None of the above”." in page
    assert "Waived: Left for the editor." in page


def test_editor_saves_waivers_and_shows_them_again(client, author, question):
    client.force_login(author)
    url = reverse("questions:edit", args=[question.public_id])

    response = client.post(url, _form(waivers="key-length: the options are artery names"))
    page = client.get(url).content.decode()

    question.refresh_from_db()
    assert response.status_code == 302
    assert question.latest_version.waivers == {"key-length": "the options are artery names"}
    assert "key-length: the options are artery names" in page
    assert "Item-writing checks" in page


@pytest.mark.parametrize(
    ("waivers", "message"),
    [
        ("key-length because", "“key-length because” needs the check's name, a colon"),
        ("astrology: it is fine", "“astrology” is not a checker rule"),
        ("key-length:", "The waiver of “key-length” needs a written reason."),
    ],
)
def test_editor_refuses_a_waiver_without_a_rule_or_reason(client, author, waivers, message):
    client.force_login(author)

    response = client.post(reverse("questions:new"), _form(waivers=waivers))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["waivers"])
    assert Question.objects.count() == 0


def test_import_report_lists_unwaived_warnings_without_stopping_the_import(author, importer):
    warned = checked_draft(uid=str(uuid.UUID(int=1)), options=OF_THE_ABOVE)
    waived = checked_draft(
        uid=str(uuid.UUID(int=2)),
        stem="A 61-year-old woman has chest pain.",
        options=OF_THE_ABOVE,
        waivers={"of-the-above": "Kept to test the checker."},
    )
    data = native.render([warned, waived]).data

    job = importer.load(author, data)

    items = {item["identifier"]: item for item in job.report["items"]}
    assert job.report["warned"] == 1, job.report["items"]
    assert items[warned.uid]["warnings"] == [
        "of-the-above: Option D says “None of the above”.",
    ]
    assert items[waived.uid]["warnings"] == []
    assert Question.objects.count() == 2


def test_import_page_shows_the_warnings(client, author, importer):
    data = native.render([checked_draft(uid=str(uuid.UUID(int=3)), options=OF_THE_ABOVE)]).data
    job = importer.create(user=author, filename="bank.json", data=data)
    client.force_login(author)

    page = client.get(reverse("questions:import", args=[job.public_id])).content.decode()

    assert "1 item would import with item-writing warnings" in page
    assert "of-the-above: Option D says “None of the above”." in page


def test_native_format_carries_waivers_both_ways(author):
    draft = make_draft(uid=str(uuid.UUID(int=4)), waivers={"key-length": "Drug names."})
    question = services.question_create(user=author, draft=draft)

    exported = native.render([exports.question_draft(question)]).data
    parsed = native.parse(ImportSource("bank.json", exported))

    assert json.loads(exported)["questions"][0]["waivers"] == {"key-length": "Drug names."}
    assert parsed.items[0].waivers == {"key-length": "Drug names."}


def test_native_format_refuses_waivers_of_the_wrong_shape():
    bank = json.loads(native.render([make_draft()]).data)
    bank["questions"][0]["waivers"] = ["key-length"]

    parsed = native.parse(ImportSource("bank.json", json.dumps(bank).encode()))

    assert parsed.items == []
    assert "'waivers' must be an object; found a list." in parsed.errors[0].message


def test_changing_only_a_waiver_makes_a_new_version(author):
    question = services.question_create(user=author, draft=make_draft())

    services.question_update(
        question=question, user=author, draft=make_draft(waivers={"objective": "Later."})
    )

    question.refresh_from_db()
    assert question.latest_version.waivers == {"objective": "Later."}
    assert question.versions.count() == 1  # a draft is edited in place, its hash renewed
    assert question.latest_version.content_hash != services.content.content_hash(make_draft())


def test_api_takes_and_returns_waivers(client, author):
    client.force_login(author)
    body = {
        "exam": "step1",
        "discipline": "pathology",
        "system": "cardiovascular",
        "stem": "A 58-year-old man has chest pain.",
        "lead_in": "Which artery is occluded?",
        "options": [
            {
                "text": "Left anterior descending artery",
                "explanation": "Anterior.",
                "correct": True,
            },
            {"text": "Right coronary artery", "explanation": "Inferior.", "correct": False},
        ],
        "waivers": {"option-count": "Two arteries are all the stem allows."},
    }

    response = client.post("/api/v1/questions/", body, content_type="application/json")
    refused = client.post(
        "/api/v1/questions/",
        {**body, "waivers": {"astrology": "x"}},
        content_type="application/json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["latest"]["waivers"] == body["waivers"]
    assert refused.status_code == 400
    assert "“astrology” is not a checker rule" in json.dumps(refused.json(), ensure_ascii=False)


def _bank_file(tmp_path, *drafts):
    path = tmp_path / "bank.json"
    path.write_bytes(native.render(list(drafts)).data)
    return path


def test_check_bank_fails_on_an_unwaived_finding_and_names_it(tmp_path):
    path = _bank_file(tmp_path, checked_draft(uid=str(uuid.UUID(int=5)), lead_in="The artery."))
    out = StringIO()

    with pytest.raises(CommandError, match=r"1 finding\(s\) not waived"):
        call_command("check_bank", str(path), stdout=out)

    assert "warning · lead-in: The lead-in is not a question" in out.getvalue()
    assert "Checked 1 items" in out.getvalue()


def test_check_bank_counts_waivers_keys_and_coverage(tmp_path):
    path = _bank_file(
        tmp_path,
        checked_draft(
            uid=str(uuid.UUID(int=6)), lead_in="The artery.", waivers={"lead-in": "Why."}
        ),
    )
    out = StringIO()

    call_command("check_bank", str(path), stdout=out)

    text = out.getvalue()
    assert "Waivers: 1 (lead-in 1)." in text
    assert "Key positions: A 1 (even: 0.2) · B 0 (even: 0.2)" in text
    assert "step1 (1): pathology 1" in text
    assert "No finding left unwaived." in text


def test_check_bank_reads_the_published_questions(author, editor):
    question = services.question_create(user=author, draft=checked_draft(objective=""))
    services.question_publish(question=question, user=editor)
    out = StringIO()

    with pytest.raises(CommandError, match=r"1 finding\(s\) not waived"):
        call_command("check_bank", published=True, stdout=out)

    assert f"{question.public_id}\n  warning · objective: The item has no objective." in (
        out.getvalue()
    )


def test_check_bank_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No bank at"):
        call_command("check_bank", str(tmp_path / "nowhere.json"))


def test_starter_bank_loads_its_waivers_into_the_versions(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    imports.starter_bank_load(folder=STARTER)

    waived = Question.objects.exclude(latest_version__waivers={})
    assert waived.count() == sum(1 for item in BANK if item.get("waivers"))


def test_check_api_returns_findings_before_anything_is_saved(client, author):
    client.force_login(author)
    body = {
        "stem": "A 58-year-old man has chest pain.",
        "lead_in": "The artery",
        "options": [
            {"text": "Left anterior descending", "explanation": "Anterior.", "correct": True},
            {"text": "None of the above", "explanation": "", "correct": False},
        ],
        "objective": "Coronary territories.",
        "references": [item_checks.vetted_citations()[0]],
        "waivers": {"option-count": "Two arteries are all the stem allows."},
    }

    response = client.post(reverse("questions_check"), body, content_type="application/json")

    assert response.status_code == 200
    assert [(f["rule"], f["waived"]) for f in response.json()["findings"]] == [
        ("explanations", False),
        ("of-the-above", False),
        ("option-count", True),
        ("lead-in", False),
    ]
    assert response.json()["findings"][2]["waiver"] == "Two arteries are all the stem allows."
    assert Question.objects.count() == 0


def test_check_api_refuses_an_unknown_waiver_with_a_field_message(client, author):
    client.force_login(author)
    body = {
        "stem": "A case.",
        "lead_in": "Which?",
        "options": [{"text": "A", "correct": True}, {"text": "B"}],
        "waivers": {"astrology": "x"},
    }

    response = client.post(reverse("questions_check"), body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["waivers"][0].startswith("“astrology” is not")


def test_question_page_checks_read_no_more_than_the_page_already_has(
    client, author, assert_statements
):
    question = services.question_create(user=author, draft=checked_draft())
    client.force_login(author)
    url = reverse("questions:detail", args=[question.public_id])
    client.get(url)

    # Session, user, roles; the question, its tags, options, versions, their options, comments.
    # The item's rendering and the checks add nothing: the question and its taxonomy are at hand.
    with assert_statements(9):
        client.get(url)
