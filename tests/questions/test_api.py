import pytest
from django.urls import reverse

from apps.questions import services
from apps.questions.lab_values import lab_values
from apps.questions.models import ErrorReport, Question
from tests.factories import UserFactory
from tests.questions.conftest import make_draft

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def _payload(**changes):
    payload = {
        "exam": "step1",
        "discipline": "pathology",
        "system": "cardiovascular",
        "tags": ["infarction"],
        "markup": "markdown",
        "stem": "A 58-year-old man has chest pain.",
        "lead_in": "Which artery is occluded?",
        "options": [
            {"text": "LAD", "explanation": "Right.", "correct": True},
            {"text": "RCA", "explanation": "Wrong.", "correct": False},
        ],
        "explanation": "Anterior leads.",
        "objective": "Territories.",
        "references": ["Robbins"],
    }
    return {**payload, **changes}


def test_questions_api_create_and_read_back(api_as, author):
    client = api_as(author)

    created = client.post(reverse("questions"), _payload(), format="json")

    question = Question.objects.get()
    assert created.status_code == 201
    body = created.json()
    assert body["public_id"] == question.public_id
    assert (body["status"], body["version"], body["version_state"]) == ("draft", 1, "draft")
    assert body["latest"]["stem_html"] == "<p>A 58-year-old man has chest pain.</p>"
    assert body["latest"]["options"][0] == {
        "letter": "A",
        "text": "LAD",
        "text_html": "LAD",
        "explanation": "Right.",
        "explanation_html": "<p>Right.</p>",
        "correct": True,
    }
    assert client.get(reverse("question", args=[question.public_id])).json() == body


def test_questions_api_create_refuses_bad_input_and_saves_nothing(api_as, author):
    client = api_as(author)

    one_option = client.post(
        reverse("questions"), _payload(options=[{"text": "x", "correct": True}]), format="json"
    )
    two_correct = client.post(
        reverse("questions"),
        _payload(options=[{"text": "x", "correct": True}, {"text": "y", "correct": True}]),
        format="json",
    )

    assert one_option.status_code == 400
    assert one_option.json()["error"]["fields"] == {
        "options": ["Ensure this field has at least 2 elements."]
    }
    assert two_correct.json() == {
        "error": {
            "code": "invalid",
            "message": "Some of the question needs attention.",
            "fields": {"options": ["2 options are marked correct; exactly one must be."]},
        }
    }
    assert Question.objects.count() == 0


def test_questions_api_roles(api_client, api_as, student, author):
    anonymous = api_client.get(reverse("questions"))
    as_student = api_as(student).get(reverse("questions"))
    create_as_student = api_as(student).post(reverse("questions"), _payload(), format="json")

    assert anonymous.status_code == 401
    assert as_student.status_code == 403
    assert create_as_student.status_code == 403
    assert Question.objects.count() == 0


def test_questions_api_others_draft_is_404(api_as, question):
    other = UserFactory(roles=["student", "author"])

    response = api_as(other).get(reverse("question", args=[question.public_id]))

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "No such question.", "fields": {}}
    }


def test_questions_api_workflow(api_as, author, editor, question):
    url = question.public_id

    submitted = api_as(author).post(reverse("question_submit", args=[url]), {}, format="json")
    refused = api_as(author).post(reverse("question_publish", args=[url]), {}, format="json")
    published = api_as(editor).post(reverse("question_publish", args=[url]), {}, format="json")
    again = api_as(editor).post(reverse("question_publish", args=[url]), {}, format="json")

    assert submitted.json()["status"] == "in_review"
    assert refused.status_code == 403
    assert (published.json()["status"], published.json()["published_version"]) == ("published", 1)
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "conflict",
        "message": "This version is published already.",
        "fields": {},
    }


def test_questions_api_blank_comment_is_refused_naming_the_comment_field(api_as, author, question):
    response = api_as(author).post(
        reverse("question_comment", args=[question.public_id]), {"comment": " "}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "Some of the input is not valid.",
            "fields": {"comment": ["Write a comment."]},
        }
    }
    assert question.latest_version.comments.count() == 0


def test_questions_api_edit_after_publish_keeps_old_version_and_diffs(api_as, author, published):
    client = api_as(author)
    url = published.public_id

    updated = client.put(
        reverse("question", args=[url]), _payload(lead_in="Which vessel?"), format="json"
    )
    diff = client.get(reverse("question_diff", args=[url]), {"old": 1, "new": 2})
    versions = client.get(reverse("question_versions", args=[url]))

    assert (updated.json()["version"], updated.json()["published_version"]) == (2, 1)
    assert diff.json()["fields"]["lead_in"] == [
        "- Which artery is most likely occluded?",
        "+ Which vessel?",
    ]
    assert [v["number"] for v in versions.json()] == [2, 1]


def test_questions_api_diff_refuses_missing_versions(api_as, author, question):
    client = api_as(author)

    no_number = client.get(reverse("question_diff", args=[question.public_id]), {"old": "x"})
    missing = client.get(reverse("question_diff", args=[question.public_id]), {"old": 1, "new": 9})

    assert no_number.status_code == 400
    assert no_number.json()["error"]["fields"] == {
        "old": ["Give a version number."],
        "new": ["Give a version number."],
    }
    assert missing.status_code == 404


def test_questions_api_preview_sanitises(api_as, author):
    response = api_as(author).post(
        reverse("preview"),
        {"markup": "markdown", "text": "**Na** <img src=x onerror=1>"},
        format="json",
    )

    assert response.json() == {"html": "<p><strong>Na</strong> &lt;img src=x onerror=1&gt;</p>"}


def test_questions_api_report_by_student_lands_in_editor_queue(api_as, student, editor, published):
    created = api_as(student).post(
        reverse("question_report", args=[published.public_id]),
        {"note": "The key should be B."},
        format="json",
    )
    queue = api_as(editor).get(reverse("reports"))
    report = ErrorReport.objects.get()
    resolved = api_as(editor).post(
        reverse("report_resolve", args=[report.public_id]),
        {"status": "fixed", "resolution": "Corrected the key."},
        format="json",
    )
    own = api_as(student).get(reverse("reports"))

    assert created.status_code == 201
    assert [r["note"] for r in queue.json()["results"]] == ["The key should be B."]
    assert resolved.json()["status"] == "fixed"
    assert [(r["status"], r["resolution"]) for r in own.json()["results"]] == [
        ("fixed", "Corrected the key.")
    ]


def test_questions_api_report_on_draft_is_404(api_as, student, question):
    response = api_as(student).post(
        reverse("question_report", args=[question.public_id]), {"note": "x"}, format="json"
    )

    assert response.status_code == 404
    assert ErrorReport.objects.count() == 0


@pytest.mark.parametrize("count", [1, 3])
def test_questions_api_list_query_count_is_fixed(
    api_as, author, editor, django_assert_num_queries, count
):
    for _ in range(count):
        services.question_create(user=author, draft=make_draft())
    client = api_as(editor)

    # 1 session, 2 user, 3 roles, 4 count, 5 page of questions with taxonomy, author and
    # newest version, 6 their tags
    with django_assert_num_queries(6):
        response = client.get(reverse("questions"))

    assert response.json()["count"] == count


def test_questions_api_list_filters_and_search(api_as, author, editor):
    services.question_create(user=author, draft=make_draft(stem="Cough and fever."))
    services.question_create(
        user=author, draft=make_draft(stem="Polyuria and thirst.", system="endocrine")
    )
    client = api_as(editor)

    by_system = client.get(reverse("questions"), {"system": "endocrine"})
    by_words = client.get(reverse("questions"), {"q": "fever cough"})
    by_id = client.get(reverse("questions"), {"q": Question.objects.last().public_id})

    assert [q["system"] for q in by_system.json()["results"]] == ["endocrine"]
    assert by_words.json()["count"] == 1
    assert by_id.json()["count"] == 1


def test_questions_api_detail_query_count_is_fixed(
    api_as, editor, question, django_assert_num_queries
):
    client = api_as(editor)

    # 1 session, 2 user, 3 roles, 4 question with taxonomy and versions, 5 tags, 6 options
    with django_assert_num_queries(6):
        client.get(reverse("question", args=[question.public_id]))


def test_lab_values_api_gives_the_table_to_any_signed_in_user(api_client, api_as, student):
    anonymous = api_client.get(reverse("lab_values"))
    response = api_as(student).get(reverse("lab_values"))

    assert anonymous.status_code == 401
    assert response.status_code == 200
    assert response.json() == lab_values()
    assert response["Cache-Control"] == "private, max-age=3600"
