"""Export, then import into an emptied bank: the same questions come back, for each format
that exports, including tables and images."""

import pytest

from apps.questions import exports, imports, services
from apps.questions.exports import question_draft
from apps.questions.formats import FORMATS
from apps.questions.formats.base import ImageDraft
from apps.questions.models import ImportJob, Question
from tests.questions.conftest import make_draft, png_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _content(question: Question) -> tuple:
    version = question.latest_version
    return (
        str(question.uid),
        question.exam.code,
        question.discipline.code,
        question.system.code,
        sorted(tag.name for tag in question.tags.all()),
        version.stem_html,
        version.lead_in_html,
        [(o.letter, o.text_html, o.explanation_html, o.is_correct) for o in version.options.all()],
        version.explanation_html,
        version.objective_html,
        version.references,
    )


def _bank(editor):
    table = "Labs:\n\n| Test | Value |\n|---|---|\n| Sodium | 128 mEq/L |"
    figure = make_draft(
        uid="00000000-0000-0000-0000-0000000000f1",
        stem="![ECG strip](ecg.png)\n\nA 70-year-old man faints.",
        images=[ImageDraft("ecg.png", png_bytes(), "A rhythm strip")],
        system="nervous-system-special-senses",
    )
    tabled = make_draft(uid="00000000-0000-0000-0000-0000000000f2", stem=table, tags=["labs"])
    for draft in (figure, tabled):
        services.publish_question(
            question=services.create_question(user=editor, draft=draft), user=editor
        )


@pytest.mark.parametrize("file_format", ["native", "qti", "moodle"])
def test_export_then_import_gives_identical_questions(editor, file_format):
    _bank(editor)
    before = sorted(_content(q) for q in Question.objects.all())
    rendered = FORMATS[file_format].render([question_draft(q) for q in Question.objects.all()])
    Question.objects.all().delete()

    job = imports.import_job_create(
        user=editor, filename=rendered.filename, data=rendered.data, format=file_format
    )
    imports.import_job_analyse(job_id=job.pk)
    imports.import_job_confirm(job=job, user=editor, publish=True)
    imports.import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert sorted(_content(q) for q in Question.objects.all()) == before


def test_export_to_csv_lists_every_question(editor):
    _bank(editor)

    rendered = exports.export_questions(
        user=editor, format="csv", filters=exports.selectors.BankFilters()
    )

    assert rendered.data.decode().count("Which artery is most likely occluded?") == 2
