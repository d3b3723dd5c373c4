import json
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from apps.core.errors import Conflict
from apps.questions import exports, imports
from apps.questions.api import EXPORT_RESPONSES
from apps.questions.formats import native
from apps.questions.models import ImportJob, Question, QuestionVersion
from tests.questions.conftest import make_draft

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def _bank(*drafts) -> bytes:
    return native.render(list(drafts)).data


def _drafts(count: int, **changes):
    return [
        make_draft(uid=str(uuid.UUID(int=index + 1)), stem=f"Case {index + 1}.", **changes)
        for index in range(count)
    ]


class Importer:
    """Upload, check and import as a user would; queued tasks run as their commit would."""

    def __init__(self, capture):
        self.capture = capture

    def run(self, function, **kwargs):
        with self.capture(execute=True):
            return function(**kwargs)

    def create(self, **kwargs) -> ImportJob:
        job = self.run(imports.import_job_create, **kwargs)
        job.refresh_from_db()
        return job

    def confirm(self, **kwargs) -> ImportJob:
        job = self.run(imports.import_job_confirm, **kwargs)
        job.refresh_from_db()
        return job

    def load(self, user, data, *, filename="bank.json", publish=False, only_valid=False, **kw):
        job = self.create(user=user, filename=filename, data=data, **kw)
        if job.status == ImportJob.Status.ANALYSED:
            job = self.confirm(job=job, user=user, publish=publish, only_valid=only_valid)
        return job


@pytest.fixture
def importer(django_capture_on_commit_callbacks):
    return Importer(django_capture_on_commit_callbacks)


def test_import_creates_drafts_and_reports(author, importer):
    job = importer.load(author, _bank(*_drafts(3)))

    assert job.status == "done"
    assert job.report["counts"] == {
        "create": 3,
        "update": 0,
        "unchanged": 0,
        "error": 0,
        "skipped": 0,
    }
    assert (job.total, job.processed) == (3, 3)
    assert (
        list(Question.objects.values_list("status", "source", flat=False))
        == [("draft", "native")] * 3
    )


def test_import_same_file_again_creates_nothing(editor, importer):
    data = _bank(*_drafts(3))
    importer.load(editor, data, publish=True)

    again = importer.load(editor, data, publish=True)

    assert again.report["counts"]["unchanged"] == 3
    assert (Question.objects.count(), QuestionVersion.objects.count()) == (3, 3)


def test_import_changed_item_becomes_a_new_version_of_the_same_question(editor, importer):
    first = _drafts(2)
    importer.load(editor, _bank(*first), publish=True)
    changed = [first[0], make_draft(uid=first[1].uid, stem="Case 2, corrected.")]

    job = importer.load(editor, _bank(*changed), publish=True)

    question = Question.objects.get(uid=first[1].uid)
    assert job.report["counts"] | {} == {
        "create": 0,
        "update": 1,
        "unchanged": 1,
        "error": 0,
        "skipped": 0,
    }
    assert question.published_version.number == 2
    assert question.versions.get(number=1).stem_source == "Case 2."


def test_import_with_errors_is_refused_unless_only_valid(author, importer):
    bad = make_draft(uid=str(uuid.UUID(int=99)), discipline="astrology")
    data = _bank(*_drafts(2), bad)
    job = importer.create(user=author, filename="bank.json", data=data)

    with pytest.raises(Conflict) as refused:
        importer.confirm(job=job, user=author)
    assert Question.objects.count() == 0
    job = importer.confirm(job=job, user=author, only_valid=True)

    assert str(refused.value) == (
        "1 item(s) have errors. Correct the file and upload it again, "
        "or choose to import only the valid items."
    )
    assert [i for i in job.report["items"] if i["action"] == "error"] == [
        {
            "position": 3,
            "identifier": bad.uid,
            "action": "error",
            "message": "Unknown discipline “astrology”.",
            "warnings": [],
        }
    ]
    assert Question.objects.count() == 2


def test_import_lists_unsupported_items_as_skipped(author, importer):
    moodle = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="essay"><name><text>Essay</text></name>
    <questiontext format="html"><text>Discuss.</text></questiontext></question>
</quiz>"""

    job = importer.create(user=author, filename="quiz.xml", data=moodle)

    assert job.format == "moodle"
    [item] = job.report["items"]
    assert (item["action"], item["position"]) == ("skipped", 1)
    assert "essay" in item["message"]


def test_import_without_ids_recognises_items_by_content(author, importer):
    aiken = b"Which vitamin deficiency causes scurvy?\nA. Vitamin C\nB. Vitamin D\nANSWER: A\n"

    place = {"exam": "step1", "discipline": "biochemistry", "system": "general-principles"}
    first = importer.load(author, aiken, filename="q.txt", format="aiken", defaults=place)
    second = importer.create(
        user=author, filename="q.txt", data=aiken, format="aiken", defaults=place
    )

    assert first.report["counts"]["create"] == 1
    assert second.report["counts"]["unchanged"] == 1
    assert Question.objects.get().external_id.startswith("sha256:")


def test_import_refuses_empty_unknown_and_huge_files(author, monkeypatch):
    monkeypatch.setattr(imports, "MAX_IMPORT_BYTES", 10)

    for data, field, message in [
        (b"", "file", "The file is empty."),
        (b"hello", "format", "Choose the file's format; it could not be told from the file."),
        (b"x" * 11, "file", "The file is larger than 0 MB."),
    ]:
        with pytest.raises(imports.InvalidInput) as refused:
            imports.import_job_create(user=author, filename="x.bin", data=data)
        assert refused.value.fields == {field: [message]}
    assert ImportJob.objects.count() == 0


def test_import_broken_file_fails_with_the_reason(author, importer):
    job = importer.create(user=author, filename="b.json", data=b'{"format": "x"}', format="native")

    assert job.status == "failed"
    assert job.message != ""


def test_import_runs_in_bounded_batches_and_can_run_again(editor, monkeypatch, importer):
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    job = importer.load(editor, _bank(*_drafts(5)), publish=True)

    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING)
    imports.import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.processed) == ("done", 5)
    assert job.report["result"]["unchanged"] == 5
    assert Question.objects.filter(status="published").count() == 5


def test_import_resume_requeues_stalled_jobs(author, importer):
    job = imports.import_job_create(user=author, filename="b.json", data=_bank(*_drafts(1)))

    with time_machine.travel(timedelta(minutes=10)):
        resumed = importer.run(imports.import_jobs_resume)

    job.refresh_from_db()
    assert resumed == 1
    assert job.status == "analysed"


def test_import_api_flow(api_as, editor, importer):
    client = api_as(editor)
    upload = _bank(*_drafts(2))
    from django.core.files.uploadedfile import SimpleUploadedFile

    created = importer.run(
        client.post,
        path=reverse("imports"),
        data={"file": SimpleUploadedFile("bank.json", upload)},
        format="multipart",
    )
    public_id = created.json()["public_id"]
    confirmed = importer.run(
        client.post,
        path=reverse("import_confirm", args=[public_id]),
        data={"publish": True},
        format="json",
    )
    final = client.get(reverse("import", args=[public_id]))

    assert created.status_code == 201
    assert created.json()["status"] == "analysing"
    assert (confirmed.json()["status"], confirmed.json()["counts"]["create"]) == ("importing", 2)
    assert (final.json()["status"], final.json()["result"]["create"]) == ("done", 2)
    assert Question.objects.filter(status="published").count() == 2


def test_import_api_others_job_is_404(api_as, author):
    from tests.factories import UserFactory

    job = imports.import_job_create(user=author, filename="b.json", data=_bank(*_drafts(1)))
    other = UserFactory(roles=["student", "author"])

    response = api_as(other).get(reverse("import", args=[job.public_id]))

    assert response.status_code == 404


def test_export_then_import_elsewhere_gives_identical_questions(api_as, editor, importer):
    importer.load(editor, _bank(*_drafts(2)), publish=True)
    client = api_as(editor)

    exported = client.get(reverse("exports"), {"file_format": "native"})
    bank = json.loads(exported.content)

    assert exported["Content-Disposition"].startswith("attachment;")
    assert sorted(q["stem"] for q in bank["questions"]) == ["Case 1.", "Case 2."]
    assert {q["uid"] for q in bank["questions"]} == {str(uuid.UUID(int=1)), str(uuid.UUID(int=2))}


@pytest.mark.parametrize("query", [{}, {"file_format": "gift"}], ids=["missing", "import-only"])
def test_export_api_refuses_a_format_it_cannot_write_naming_file_format(api_as, editor, query):
    response = api_as(editor).get(reverse("exports"), query)

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "Some of the input is not valid.",
            "fields": {"file_format": ["Choose one of: native, qti, moodle, csv."]},
        }
    }


@pytest.mark.parametrize("file_format", exports.EXPORT_FORMATS)
def test_export_api_sends_each_format_as_a_documented_file_type(api_as, editor, file_format):
    response = api_as(editor).get(reverse("exports"), {"file_format": file_format})

    assert response.status_code == 200
    assert (200, response["Content-Type"]) in EXPORT_RESPONSES
