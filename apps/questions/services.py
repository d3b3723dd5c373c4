"""Every write to the question bank: authoring, versions, the review workflow, reports, images."""

import hashlib
import re
from dataclasses import dataclass
from uuid import uuid4

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.accounts.permissions import has_role
from apps.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from apps.questions import content, sanitize
from apps.questions.formats.base import ImageDraft, ItemDraft
from apps.questions.images import image_clean
from apps.questions.models import (
    Discipline,
    ErrorReport,
    Exam,
    Option,
    Question,
    QuestionImage,
    QuestionVersion,
    ReviewComment,
    System,
    Tag,
)

State = QuestionVersion.State
Status = Question.Status


# --- Permission checks ------------------------------------------------------------------------


def check_can_author(user: User) -> None:
    if not has_role(user, Role.AUTHOR):
        raise PermissionDenied("Writing questions needs the author role.")


def check_can_edit(user: User, question: Question) -> None:
    if has_role(user, Role.EDITOR):
        return
    check_can_author(user)
    if question.author_id != user.pk:
        raise PermissionDenied("Authors edit their own questions; ask an editor for others.")
    if question.status == Status.IN_REVIEW:
        raise Conflict("This question is in review; an editor must return it before you edit it.")


def check_can_review(user: User) -> None:
    if not has_role(user, Role.EDITOR):
        raise PermissionDenied("Reviewing and publishing questions needs the editor role.")


# --- Taxonomy and content ---------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    exam: Exam
    discipline: Discipline
    system: System


def placement_for(draft: ItemDraft) -> Placement:
    """The taxonomy rows a draft names, or a refusal naming each unknown code."""
    found = {
        "exam": Exam.objects.filter(code=draft.exam).first(),
        "discipline": Discipline.objects.filter(code=draft.discipline).first(),
        "system": System.objects.filter(code=draft.system).first(),
    }
    problems = {
        field: [
            f"Unknown {field} “{getattr(draft, field)}”."
            if getattr(draft, field)
            else f"Choose the {field}."
        ]
        for field, row in found.items()
        if row is None
    }
    if problems:
        raise InvalidInput("The question's place in the bank is not valid.", fields=problems)
    return Placement(**found)


def check_draft(draft: ItemDraft) -> Placement:
    problems = content.draft_problems(draft)
    try:
        placement = placement_for(draft)
    except InvalidInput as exc:
        problems = {**exc.fields, **problems}
        placement = None
    if problems:
        raise InvalidInput("Some of the question needs attention.", fields=problems)
    return placement


def _image_urls(images: list[ImageDraft], stored: dict[str, QuestionImage]) -> dict[str, str]:
    return {image.name: stored[image.name].file.url for image in images if image.name in stored}


_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
_HTML_IMAGE = re.compile(r"""(<img\b[^>]*\bsrc=)(["'])([^"']+)\2""", re.IGNORECASE)


def _point_images(text: str, markup: str, urls: dict[str, str]) -> str:
    """Replace the names images go by in the draft with the URLs they are stored under."""
    if not urls:
        return text
    if markup == "markdown":
        return _MD_IMAGE.sub(lambda m: f"![{m[1]}]({urls.get(m[2], m[2])})", text)
    return _HTML_IMAGE.sub(lambda m: f"{m[1]}{m[2]}{urls.get(m[3], m[3])}{m[2]}", text)


def _write_version_content(
    version: QuestionVersion, draft: ItemDraft, urls: dict[str, str]
) -> None:
    def html(text: str, *, inline: bool = False) -> str:
        return sanitize.render(
            _point_images(text, draft.markup, urls), markup=draft.markup, inline=inline
        )

    version.markup = draft.markup
    version.stem_source = draft.stem
    version.stem_html = html(draft.stem)
    version.lead_in_source = draft.lead_in
    version.lead_in_html = html(draft.lead_in, inline=True)
    version.explanation_source = draft.explanation
    version.explanation_html = html(draft.explanation)
    version.objective_source = draft.objective
    version.objective_html = html(draft.objective)
    version.references = [reference.strip() for reference in draft.references if reference.strip()]
    version.content_hash = content.content_hash(draft)
    version.save()
    version.options.all().delete()
    Option.objects.bulk_create(
        Option(
            version=version,
            letter=letter,
            text_source=option.text,
            text_html=html(option.text, inline=True),
            explanation_source=option.explanation,
            explanation_html=html(option.explanation),
            is_correct=option.correct,
        )
        for letter, option in zip(content.LETTERS, draft.options, strict=False)
    )


def _search_document(question: Question, version: QuestionVersion, draft: ItemDraft) -> str:
    parts = [question.public_id, version.stem_html, version.lead_in_html, *draft.tags]
    parts += [
        sanitize.html_to_text(sanitize.render(o.text, markup=draft.markup, inline=True))
        for o in draft.options
    ]
    return sanitize.html_to_text(" ".join(parts))


def _set_tags_and_enemies(question: Question, draft: ItemDraft) -> None:
    tags = []
    for name in dict.fromkeys(t.strip() for t in draft.tags if t.strip()):
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name[:60])
        tags.append(tag)
    question.tags.set(tags)
    if draft.enemies:
        enemies = Question.objects.filter(uid__in=draft.enemies).exclude(pk=question.pk)
        question.enemies.set(enemies)


def images_store(*, user: User | None, images: list[ImageDraft]) -> dict[str, QuestionImage]:
    return {image.name: image_store(user=user, data=image.data, alt=image.alt) for image in images}


# --- Authoring ---------------------------------------------------------------------------------


@transaction.atomic
def question_create(*, user: User, draft: ItemDraft) -> Question:
    check_can_author(user)
    return create_question(user=user, draft=draft)


def create_question(
    *, user: User | None, draft: ItemDraft, source: str = "", external_id: str = ""
) -> Question:
    """Create a question with its first (draft) version; callers check who may."""
    placement = check_draft(draft)
    stored = images_store(user=user, images=draft.images)
    question = Question.objects.create(
        uid=draft.uid or uuid4(),
        exam=placement.exam,
        discipline=placement.discipline,
        system=placement.system,
        author=user,
        source=source,
        external_id=external_id,
    )
    version = QuestionVersion(question=question, number=1, created_by=user)
    _write_version_content(version, draft, _image_urls(draft.images, stored))
    question.latest_version = version
    question.search_document = _search_document(question, version, draft)
    question.save(update_fields=["latest_version", "search_document"])
    _set_tags_and_enemies(question, draft)
    return question


def _locked(question: Question) -> Question:
    return (
        Question.objects.select_for_update(of=("self",))
        .select_related("latest_version")
        .get(pk=question.pk)
    )


@transaction.atomic
def question_update(*, question: Question, user: User, draft: ItemDraft) -> QuestionVersion:
    question = _locked(question)
    check_can_edit(user, question)
    return update_question(question=question, user=user, draft=draft)


def update_question(*, question: Question, user: User | None, draft: ItemDraft) -> QuestionVersion:
    """Edit a locked question. A version that was ever published never changes: a new one does."""
    placement = check_draft(draft)
    stored = images_store(user=user, images=draft.images)
    version = question.latest_version
    if version.frozen:
        number = question.versions.aggregate(n=Max("number"))["n"] + 1
        version = QuestionVersion(question=question, number=number, created_by=user)
    _write_version_content(version, draft, _image_urls(draft.images, stored))
    question.exam, question.discipline, question.system = (
        placement.exam,
        placement.discipline,
        placement.system,
    )
    question.latest_version = version
    question.search_document = _search_document(question, version, draft)
    question.save()
    _set_tags_and_enemies(question, draft)
    return version


def _transition(question: Question, version_state: str) -> None:
    version = question.latest_version
    version.state = version_state
    version.save(update_fields=["state"])
    if question.published_version_id is None:
        # Never published: the question's status follows its only line of work.
        question.status = version_state
        question.save(update_fields=["status", "updated_at"])


def _comment(version: QuestionVersion, user: User | None, kind: str, body: str = "") -> None:
    ReviewComment.objects.create(version=version, author=user, kind=kind, body=body.strip())


@transaction.atomic
def question_submit(*, question: Question, user: User) -> Question:
    question = _locked(question)
    check_can_edit(user, question)
    if question.latest_version.state != State.DRAFT:
        raise Conflict("Only a draft can be submitted for review.")
    _transition(question, State.IN_REVIEW)
    _comment(question.latest_version, user, ReviewComment.Kind.SUBMITTED)
    return question


@transaction.atomic
def question_return(*, question: Question, user: User, comment: str) -> Question:
    check_can_review(user)
    if not comment.strip():
        raise InvalidInput(fields={"comment": ["Tell the author what to change."]})
    question = _locked(question)
    if question.latest_version.state != State.IN_REVIEW:
        raise Conflict("Only a question in review can be returned to its author.")
    _transition(question, State.DRAFT)
    _comment(question.latest_version, user, ReviewComment.Kind.RETURNED, comment)
    return question


@transaction.atomic
def question_publish(*, question: Question, user: User) -> Question:
    check_can_review(user)
    return publish_question(question=question, user=user)


def publish_question(*, question: Question, user: User | None) -> Question:
    """Publish the newest version (or a retired question again); callers check who may."""
    question = _locked(question)
    version = question.latest_version
    if version.state == State.PUBLISHED and question.status == Status.PUBLISHED:
        raise Conflict("This version is published already.")
    version.state = State.PUBLISHED
    version.published_at = version.published_at or timezone.now()
    version.published_by = user
    version.save(update_fields=["state", "published_at", "published_by"])
    question.published_version = version
    question.status = Status.PUBLISHED
    question.save(update_fields=["published_version", "status", "updated_at"])
    _comment(version, user, ReviewComment.Kind.PUBLISHED)
    return question


@transaction.atomic
def question_retire(*, question: Question, user: User, reason: str = "") -> Question:
    check_can_review(user)
    return retire_question(question=question, user=user, reason=reason)


def retire_question(*, question: Question, user: User | None, reason: str = "") -> Question:
    question = _locked(question)
    if question.status == Status.RETIRED:
        raise Conflict("This question is retired already.")
    question.status = Status.RETIRED
    question.save(update_fields=["status", "updated_at"])
    _comment(question.latest_version, user, ReviewComment.Kind.RETIRED, reason)
    return question


@transaction.atomic
def question_comment(*, question: Question, user: User, body: str) -> ReviewComment:
    if not (has_role(user, Role.EDITOR) or question.author_id == user.pk):
        raise PermissionDenied("Only the question's author and editors comment on it.")
    if not body.strip():
        raise InvalidInput(fields={"body": ["Write a comment."]})
    return ReviewComment.objects.create(
        version=question.latest_version, author=user, body=body.strip()
    )


# --- Error reports ---------------------------------------------------------------------------

MAX_REPORT = 4000


@transaction.atomic
def error_report_create(
    *, user: User, question: Question, note: str, version: QuestionVersion | None = None
) -> ErrorReport:
    version = version or question.published_version
    if version is None or version.question_id != question.pk:
        raise NotFound("No such question.")
    note = note.strip()
    if not note:
        raise InvalidInput(fields={"note": ["Say what is wrong with the question."]})
    if len(note) > MAX_REPORT:
        raise InvalidInput(fields={"note": [f"Keep the note under {MAX_REPORT} characters."]})
    return ErrorReport.objects.create(version=version, reporter=user, note=note)


@transaction.atomic
def error_report_resolve(
    *, report: ErrorReport, user: User, status: str, resolution: str
) -> ErrorReport:
    check_can_review(user)
    if status not in (ErrorReport.Status.FIXED, ErrorReport.Status.DISMISSED):
        raise InvalidInput(fields={"status": ["Choose fixed or dismissed."]})
    if not resolution.strip():
        raise InvalidInput(fields={"resolution": ["Tell the reporter what was done."]})
    updated = ErrorReport.objects.filter(pk=report.pk, status=ErrorReport.Status.OPEN).update(
        status=status, resolution=resolution.strip(), resolved_by=user, resolved_at=timezone.now()
    )
    if not updated:
        raise Conflict("This report was resolved already.")
    report.refresh_from_db()
    return report


# --- Images ------------------------------------------------------------------------------------


@transaction.atomic
def image_store(*, user: User | None, data: bytes, alt: str = "") -> QuestionImage:
    """Store an image once per content; the same upload again returns the stored one."""
    digest = hashlib.sha256(data).hexdigest()
    existing = QuestionImage.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing
    clean = image_clean(data)
    image = QuestionImage(
        extension=clean.extension,
        width=clean.width,
        height=clean.height,
        alt=alt.strip()[:500],
        sha256=digest,
        uploaded_by=user,
    )
    image.file.save(f"upload.{clean.extension}", ContentFile(clean.data), save=False)
    image.save()
    return image
