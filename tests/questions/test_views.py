import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.questions import services
from apps.questions.models import ErrorReport, Question
from apps.questions.rendering import render_item
from tests.questions.conftest import make_draft

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def _form(**changes):
    data = {
        "exam": "step1",
        "discipline": "pathology",
        "system": "cardiovascular",
        "tags": "infarction, ecg",
        "stem": "A 58-year-old man has chest pain. **ST elevation** in V1–V4.",
        "lead_in": "Which artery is occluded?",
        "option_0": "Left anterior descending artery",
        "explanation_0": "Anterior leads.",
        "option_1": "Right coronary artery",
        "explanation_1": "Inferior leads.",
        "correct": "A",
        "explanation": "V1–V4 is the anterior wall.",
        "objective": "Coronary territories.",
        "references": "Robbins Basic Pathology\nGuyton Physiology",
    }
    return {**data, **changes}


def test_bank_page_needs_author_or_editor(client, student, author):
    client.force_login(student)
    refused = client.get(reverse("questions:bank"))
    client.force_login(author)
    allowed = client.get(reverse("questions:bank"))

    assert refused.status_code == 403
    assert allowed.status_code == 200
    assert b"The bank is empty." in allowed.content


def test_bank_page_lists_and_filters(client, author, editor):
    services.question_create(user=author, draft=make_draft(stem="Cough and fever."))
    services.question_create(user=author, draft=make_draft(system="endocrine", stem="Thirst."))
    client.force_login(editor)

    everything = client.get(reverse("questions:bank"))
    endocrine = client.get(reverse("questions:bank"), {"system": "endocrine"})
    nothing = client.get(reverse("questions:bank"), {"q": "zebra"})

    assert everything.context["page"].paginator.count == 2
    assert [q.system.code for q in endocrine.context["page"]] == ["endocrine"]
    assert b"No question matches these filters." in nothing.content


def test_new_question_page_saves_a_draft(client, author):
    client.force_login(author)

    response = client.post(reverse("questions:new"), _form())

    question = Question.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("questions:detail", args=[question.public_id])
    assert sorted(question.tags.values_list("name", flat=True)) == ["ecg", "infarction"]
    assert question.latest_version.references == ["Robbins Basic Pathology", "Guyton Physiology"]


def test_new_question_page_shows_messages_and_saves_nothing(client, author):
    client.force_login(author)

    response = client.post(reverse("questions:new"), _form(option_1="", explanation_1="", exam=""))

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {"exam": ["This field is required."]}
    response = client.post(reverse("questions:new"), _form(option_1="", explanation_1=""))
    assert response.context["form"].non_field_errors() == [
        "The question has 1 option; an item needs 2 to 10."
    ]
    assert Question.objects.count() == 0


def test_edit_page_of_published_question_makes_version_two(client, author, published):
    client.force_login(author)

    page = client.get(reverse("questions:edit", args=[published.public_id]))
    client.post(reverse("questions:edit", args=[published.public_id]), _form(lead_in="Which?"))

    published.refresh_from_db()
    assert b"Saving makes version 2" in page.content
    assert (published.latest_version.number, published.published_version.number) == (2, 1)


def test_detail_page_shows_the_shared_item_rendering(client, author, question):
    client.force_login(author)

    response = client.get(reverse("questions:detail", args=[question.public_id]))

    assert render_item(question.latest_version, reveal=True) in response.content.decode()


def test_detail_page_reads_its_question_once(client, author, question):
    client.force_login(author)

    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("questions:detail", args=[question.public_id]))

    reads = [q["sql"] for q in captured.captured_queries if 'FROM "questions_question"' in q["sql"]]
    assert len(reads) == 1, reads


def test_workflow_buttons_on_detail_page(client, author, editor, question):
    client.force_login(author)
    client.post(reverse("questions:submit", args=[question.public_id]))
    client.force_login(editor)
    queue = client.get(reverse("questions:review_queue"))
    returned = client.post(
        reverse("questions:return", args=[question.public_id]), {"comment": ""}, follow=True
    )
    client.post(reverse("questions:publish", args=[question.public_id]))

    question.refresh_from_db()
    assert [q.pk for q in queue.context["questions"]] == [question.pk]
    assert [str(m) for m in returned.context["messages"]] == ["Tell the author what to change."]
    assert question.status == "published"


def test_history_page_shows_the_diff(client, author, published):
    services.question_update(question=published, user=author, draft=make_draft(lead_in="Which?"))
    client.force_login(author)

    response = client.get(reverse("questions:history", args=[published.public_id]))

    [(newer, older, diff)] = response.context["changes"]
    assert (older.number, newer.number) == (1, 2)
    assert diff == {"lead_in": ["- Which artery is most likely occluded?", "+ Which?"]}


def test_report_page_by_student_and_resolution_by_editor(client, student, editor, published):
    client.force_login(student)
    client.post(reverse("questions:report", args=[published.public_id]), {"note": "Typo in B."})
    report = ErrorReport.objects.get()
    client.force_login(editor)
    client.post(
        reverse("questions:report_resolve", args=[report.public_id]),
        {"status": "fixed", "resolution": "Fixed the typo."},
    )
    client.force_login(student)

    own = client.get(reverse("questions:reports"))

    assert [(r.note, r.status, r.resolution) for r in own.context["page"]] == [
        ("Typo in B.", "fixed", "Fixed the typo.")
    ]


def test_report_page_on_unpublished_question_is_404(client, student, question):
    client.force_login(student)

    response = client.get(reverse("questions:report", args=[question.public_id]))

    assert response.status_code == 404
    assert b"No such question." in response.content


def test_import_pages_check_then_import(client, editor, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.questions.formats import native

    bank = native.render([make_draft(uid="00000000-0000-0000-0000-000000000001")]).data
    client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        uploaded = client.post(
            reverse("questions:import_new"), {"file": SimpleUploadedFile("bank.json", bank)}
        )
    report = client.get(uploaded.url)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(uploaded.url, {"publish": "on"})
    done = client.get(uploaded.url)

    assert report.context["counts"] == {
        "create": 1,
        "update": 0,
        "unchanged": 0,
        "error": 0,
        "skipped": 0,
    }
    assert done.context["job"].status == "done"
    assert Question.objects.get().status == "published"


def test_import_page_refuses_unknown_format(client, author):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(author)

    response = client.post(
        reverse("questions:import_new"), {"file": SimpleUploadedFile("notes.bin", b"hello")}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "format": ["Choose the file's format; it could not be told from the file."]
    }


def test_export_page_downloads_moodle_xml(client, editor, published):
    client.force_login(editor)

    response = client.get(reverse("questions:export"), {"file_format": "moodle"})

    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert b'<question type="multichoice">' in response.content
