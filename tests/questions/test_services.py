import pytest

from apps.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from apps.questions import services
from apps.questions.formats.base import OptionDraft
from apps.questions.models import ErrorReport, Question, QuestionVersion, ReviewComment
from tests.questions.conftest import make_draft

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def _counts():
    return (Question.objects.count(), QuestionVersion.objects.count())


def test_question_create_stores_sanitised_html_and_public_id(author):
    question = services.question_create(
        user=author, draft=make_draft(stem="Pain <script>alert(1)</script> for **2 hours**.")
    )

    version = question.latest_version
    assert question.public_id == f"VQ-{question.pk:06d}"
    assert question.status == "draft"
    assert version.number == 1
    assert version.stem_html == (
        "<p>Pain &lt;script&gt;alert(1)&lt;/script&gt; for <strong>2 hours</strong>.</p>"
    )
    assert [(o.letter, o.is_correct) for o in version.options.all()] == [
        ("A", True),
        ("B", False),
        ("C", False),
        ("D", False),
    ]
    assert list(question.tags.values_list("name", flat=True)) == ["myocardial infarction"]


def test_question_create_refuses_bad_content_and_saves_nothing(author):
    draft = make_draft(
        exam="step9",
        lead_in="",
        options=[OptionDraft("Same", correct=True), OptionDraft("Same", correct=True)],
    )

    with pytest.raises(InvalidInput) as refused:
        services.question_create(user=author, draft=draft)

    assert refused.value.fields == {
        "exam": ["Unknown exam “step9”."],
        "options": [
            "Options A and B have the same text.",
            "2 options are marked correct; exactly one must be.",
        ],
    }
    assert _counts() == (0, 0)


def test_question_create_needs_author_role(student):
    with pytest.raises(PermissionDenied):
        services.question_create(user=student, draft=make_draft())

    assert _counts() == (0, 0)


def test_question_update_of_draft_changes_it_in_place(author, question):
    services.question_update(question=question, user=author, draft=make_draft(lead_in="Which?"))

    question.refresh_from_db()
    assert question.versions.count() == 1
    assert question.latest_version.lead_in_source == "Which?"


def test_question_update_of_published_question_makes_a_new_version(author, published):
    old = published.published_version
    old_html, old_options = old.stem_html, list(old.options.values_list("text_source", flat=True))

    new = services.question_update(
        question=published, user=author, draft=make_draft(stem="A changed vignette.")
    )

    old.refresh_from_db()
    published.refresh_from_db()
    assert new.number == 2
    assert new.state == "draft"
    assert (old.stem_html, list(old.options.values_list("text_source", flat=True))) == (
        old_html,
        old_options,
    )
    assert published.published_version == old
    assert published.latest_version == new
    assert published.status == "published"


def test_question_update_by_another_author_is_refused(question, db):
    from tests.factories import UserFactory

    other = UserFactory(roles=["student", "author"])

    with pytest.raises(PermissionDenied):
        services.question_update(question=question, user=other, draft=make_draft(lead_in="X?"))

    question.refresh_from_db()
    assert question.latest_version.lead_in_source == "Which artery is most likely occluded?"


def test_question_update_by_editor_of_others_question_is_allowed(question, editor):
    services.question_update(question=question, user=editor, draft=make_draft(lead_in="Which?"))

    question.refresh_from_db()
    assert question.latest_version.lead_in_source == "Which?"


def test_workflow_submit_return_publish_retire(author, editor, question):
    services.question_submit(question=question, user=author)
    question.refresh_from_db()
    assert (question.status, question.latest_version.state) == ("in_review", "in_review")

    with pytest.raises(Conflict):
        services.question_update(question=question, user=author, draft=make_draft())

    with pytest.raises(InvalidInput):
        services.question_return(question=question, user=editor, comment=" ")
    services.question_return(question=question, user=editor, comment="Add the troponin value.")
    question.refresh_from_db()
    assert question.status == "draft"

    services.question_submit(question=question, user=author)
    services.question_publish(question=question, user=editor)
    question.refresh_from_db()
    assert question.status == "published"
    assert question.published_version == question.latest_version
    assert question.latest_version.published_by == editor

    services.question_retire(question=question, user=editor, reason="Outdated guideline.")
    question.refresh_from_db()
    assert question.status == "retired"
    assert list(
        ReviewComment.objects.filter(version__question=question).values_list("kind", "body")
    ) == [
        ("submitted", ""),
        ("returned", "Add the troponin value."),
        ("submitted", ""),
        ("published", ""),
        ("retired", "Outdated guideline."),
    ]


def test_workflow_publish_and_retire_need_editor(author, question):
    with pytest.raises(PermissionDenied):
        services.question_publish(question=question, user=author)
    with pytest.raises(PermissionDenied):
        services.question_retire(question=question, user=author)

    question.refresh_from_db()
    assert question.status == "draft"


def test_workflow_publish_twice_is_a_conflict(editor, published):
    with pytest.raises(Conflict):
        services.question_publish(question=published, user=editor)


def test_error_report_create_and_resolve(student, editor, published):
    report = services.error_report_create(
        user=student, question=published, note="Option B is also correct."
    )

    with pytest.raises(PermissionDenied):
        services.error_report_resolve(report=report, user=student, status="fixed", resolution="x")
    services.error_report_resolve(
        report=report, user=editor, status="dismissed", resolution="The RCA supplies II, III, aVF."
    )

    report.refresh_from_db()
    assert (report.status, report.version, report.resolved_by) == (
        "dismissed",
        published.published_version,
        editor,
    )
    with pytest.raises(Conflict):
        services.error_report_resolve(report=report, user=editor, status="fixed", resolution="y")


def test_error_report_refuses_empty_note_and_unpublished_question(student, question, published):
    with pytest.raises(InvalidInput) as empty:
        services.error_report_create(user=student, question=published, note="  ")
    with pytest.raises(NotFound):
        services.error_report_create(user=student, question=question, note="Typo.")

    assert empty.value.fields == {"note": ["Say what is wrong with the question."]}
    assert ErrorReport.objects.count() == 0
