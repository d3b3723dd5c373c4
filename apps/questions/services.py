"""Every write to the question bank: authoring, versions, the review workflow, reports, images."""

import hashlib
import re
from dataclasses import dataclass
from uuid import uuid4

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.db.models.functions import Lower
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


class PlacementIndex:
    """The taxonomy by code, read once, to place many drafts without a query each."""

    def __init__(self):
        self.rows = {
            "exam": {row.code: row for row in Exam.objects.all()},
            "discipline": {row.code: row for row in Discipline.objects.all()},
            "system": {row.code: row for row in System.objects.all()},
        }

    def problems(self, draft: ItemDraft) -> dict[str, list[str]]:
        problems = {}
        for field, rows in self.rows.items():
            code = getattr(draft, field)
            if code not in rows:
                problems[field] = [f"Unknown {field} “{code}”." if code else f"Choose the {field}."]
        return problems

    def placement(self, draft: ItemDraft) -> Placement:
        return Placement(
            *(self.rows[field][getattr(draft, field)] for field in ("exam", "discipline", "system"))
        )


def check_draft(draft: ItemDraft, index: PlacementIndex | None = None) -> Placement:
    """The draft's place in the bank, or a refusal naming every problem of its content."""
    index = index or PlacementIndex()
    problems = {**index.problems(draft), **content.draft_problems(draft)}
    if problems:
        raise InvalidInput("Some of the question needs attention.", fields=problems)
    return index.placement(draft)


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


@dataclass
class VersionContent:
    """A version's fields and its options' fields, rendered and sanitised, not yet saved."""

    fields: dict
    options: list[dict]

    def search_document(self, tags: list[str]) -> str:
        # The public id is not in it: searching for "VQ-000123" looks the question up directly.
        parts = [self.fields["stem_html"], self.fields["lead_in_html"], *tags]
        parts += [option["text_html"] for option in self.options]
        return sanitize.html_to_text(" ".join(parts))


def version_content(draft: ItemDraft, urls: dict[str, str]) -> VersionContent:
    """Render a draft; images named in it point at their stored URLs, in source and HTML."""

    def source(text: str) -> str:
        return _point_images(text, draft.markup, urls)

    def html(text: str, *, inline: bool = False) -> str:
        return sanitize.render(source(text), markup=draft.markup, inline=inline)

    fields = {
        "markup": draft.markup,
        "stem_source": source(draft.stem),
        "stem_html": html(draft.stem),
        "lead_in_source": draft.lead_in,
        "lead_in_html": html(draft.lead_in, inline=True),
        "explanation_source": source(draft.explanation),
        "explanation_html": html(draft.explanation),
        "objective_source": draft.objective,
        "objective_html": html(draft.objective),
        "references": [reference.strip() for reference in draft.references if reference.strip()],
        "waivers": {rule: reason.strip() for rule, reason in draft.waivers.items()},
        "content_hash": content.content_hash(draft),
    }
    options = [
        {
            "letter": letter,
            "text_source": option.text,
            "text_html": html(option.text, inline=True),
            "explanation_source": option.explanation,
            "explanation_html": html(option.explanation),
            "is_correct": option.correct,
        }
        for letter, option in zip(content.LETTERS, draft.options, strict=False)
    ]
    return VersionContent(fields, options)


def _write_version_content(version: QuestionVersion, rendered: VersionContent) -> None:
    for name, value in rendered.fields.items():
        setattr(version, name, value)
    version.save()
    version.options.all().delete()
    Option.objects.bulk_create(Option(version=version, **option) for option in rendered.options)


def tags_named(names: set[str]) -> dict[str, Tag]:
    """Tags by lower-case name, creating the missing ones, in two queries however many."""
    wanted = {name.lower(): name for name in names}
    existing = {
        tag.lowered: tag
        for tag in Tag.objects.annotate(lowered=Lower("name")).filter(lowered__in=list(wanted))
    }
    created = Tag.objects.bulk_create(
        [Tag(name=name) for key, name in wanted.items() if key not in existing]
    )
    return existing | {tag.name.lower(): tag for tag in created}


def _tag_names(draft: ItemDraft) -> list[str]:
    return list(dict.fromkeys(tag.strip()[:60] for tag in draft.tags if tag.strip()))


def _set_tags_and_enemies(question: Question, draft: ItemDraft) -> None:
    names = _tag_names(draft)
    tags = tags_named(set(names)) if names else {}
    question.tags.set([tags[name.lower()] for name in names])
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
    rendered = version_content(draft, _image_urls(draft.images, stored))
    _write_version_content(version, rendered)
    question.latest_version = version
    question.search_document = rendered.search_document(_tag_names(draft))
    question.save(update_fields=["latest_version", "search_document"])
    _set_tags_and_enemies(question, draft)
    return question


def create_questions(
    *,
    user: User | None,
    drafts: list[tuple[ItemDraft, str]],
    source: str,
    publish: bool,
    index: PlacementIndex,
) -> list[Question]:
    """Create many checked questions without images at once, in a fixed number of queries.

    `drafts` pairs each draft with its external id. Callers check who may, and the drafts.
    """
    now = timezone.now()
    rendered = [version_content(draft, {}) for draft, _ in drafts]
    names = [_tag_names(draft) for draft, _ in drafts]
    status = Status.PUBLISHED if publish else Status.DRAFT
    questions = Question.objects.bulk_create(
        Question(
            uid=draft.uid or uuid4(),
            **vars(index.placement(draft)),
            status=status,
            author=user,
            source=source,
            external_id=external_id,
            search_document=content_.search_document(tag_names),
        )
        for (draft, external_id), content_, tag_names in zip(drafts, rendered, names, strict=True)
    )
    versions = QuestionVersion.objects.bulk_create(
        QuestionVersion(
            question=question,
            number=1,
            state=State.PUBLISHED if publish else State.DRAFT,
            created_by=user,
            published_at=now if publish else None,
            published_by=user if publish else None,
            **content_.fields,
        )
        for question, content_ in zip(questions, rendered, strict=True)
    )
    Option.objects.bulk_create(
        Option(version=version, **option)
        for version, content_ in zip(versions, rendered, strict=True)
        for option in content_.options
    )
    # One statement points every new question at its first version.
    first_version = QuestionVersion.objects.filter(question=OuterRef("pk"), number=1).values("pk")
    pointers = {"latest_version": Subquery(first_version)}
    if publish:
        pointers["published_version"] = Subquery(first_version)
    Question.objects.filter(pk__in=[question.pk for question in questions]).update(**pointers)
    tags = tags_named({name for group in names for name in group})
    Question.tags.through.objects.bulk_create(
        Question.tags.through(question=question, tag=tags[name.lower()])
        for question, tag_names in zip(questions, names, strict=True)
        for name in tag_names
    )
    if publish:
        ReviewComment.objects.bulk_create(
            ReviewComment(version=version, author=user, kind=ReviewComment.Kind.PUBLISHED)
            for version in versions
        )
    return questions


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
    rendered = version_content(draft, _image_urls(draft.images, stored))
    _write_version_content(version, rendered)
    question.exam, question.discipline, question.system = (
        placement.exam,
        placement.discipline,
        placement.system,
    )
    question.latest_version = version
    question.search_document = rendered.search_document(_tag_names(draft))
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
        raise InvalidInput(fields={"comment": ["Write a comment."]})
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


def flag_reports_create(*, notes: dict[int, str]) -> list[ErrorReport]:
    """Put versions that the item statistics newly flagged into the editors' queue, each once
    with its reason (`notes` by version id)."""
    return ErrorReport.objects.bulk_create(
        ErrorReport(version_id=version_id, source=ErrorReport.Source.STATISTICS, note=note)
        for version_id, note in notes.items()
    )


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
    existing = QuestionImage.objects.filter(Q(sha256=digest) | Q(stored_sha256=digest)).first()
    if existing is not None:
        return existing
    clean = image_clean(data)
    image = QuestionImage(
        extension=clean.extension,
        width=clean.width,
        height=clean.height,
        alt=alt.strip()[:500],
        sha256=digest,
        stored_sha256=hashlib.sha256(clean.data).hexdigest(),
        uploaded_by=user,
    )
    image.file.save(f"upload.{clean.extension}", ContentFile(clean.data), save=False)
    image.save()
    return image
