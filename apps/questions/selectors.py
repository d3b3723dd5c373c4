"""Reads of the question bank, with related rows fetched up front."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet

from apps.accounts.models import Role, User
from apps.accounts.permissions import has_role
from apps.core.errors import InvalidInput, NotFound
from apps.questions import item_checks
from apps.questions.formats.base import ItemDraft, OptionDraft
from apps.questions.models import (
    PUBLIC_ID_PREFIX,
    Discipline,
    ErrorReport,
    Exam,
    Option,
    Question,
    QuestionVersion,
    ReviewComment,
    System,
    VersionStatistics,
)

State = QuestionVersion.State


def parse_public_id(public_id: str) -> int | None:
    if not public_id.upper().startswith(PUBLIC_ID_PREFIX):
        return None
    digits = public_id[len(PUBLIC_ID_PREFIX) :]
    return int(digits) if digits.isdigit() and len(digits) <= 12 else None


def questions_visible_to(user: User) -> QuerySet[Question]:
    """Editors see the whole bank; authors see what is published and their own work."""
    questions = Question.objects.all()
    if has_role(user, Role.EDITOR):
        return questions
    if has_role(user, Role.AUTHOR):
        return questions.filter(Q(author=user) | Q(status=Question.Status.PUBLISHED))
    return questions.none()


def question_for_user(*, user: User, public_id: str) -> Question:
    """The one way to reach a question by its public id; someone else's draft is not found."""
    pk = parse_public_id(public_id)
    question = question_detail(questions_visible_to(user)).filter(pk=pk).first() if pk else None
    if question is None:
        raise NotFound("No such question.")
    if question.latest_version is not None:
        question.latest_version.question = question  # rendering it needs no second read
    return question


def question_detail(questions: QuerySet[Question] | None = None) -> QuerySet[Question]:
    """Questions with what their detail shows: taxonomy, tags, the newest version's options."""
    questions = Question.objects.all() if questions is None else questions
    return questions.select_related(
        "exam", "discipline", "system", "author", "latest_version", "published_version"
    ).prefetch_related(
        "tags",
        Prefetch("latest_version__options", queryset=Option.objects.order_by("letter")),
    )


@dataclass(frozen=True)
class BankFilters:
    exam: str = ""
    discipline: str = ""
    system: str = ""
    status: str = ""
    author: str = ""
    tag: str = ""
    q: str = ""


FILTER_NAMES = tuple(BankFilters.__dataclass_fields__)


def bank_filters_from(params) -> BankFilters:
    """Filters from a query string; overlong values are cut, unknown names ignored."""
    return BankFilters(**{name: params.get(name, "")[:200] for name in FILTER_NAMES})


def published_question(*, public_id: str) -> Question:
    """A question anyone signed in may refer to (to report an error): one that was published."""
    pk = parse_public_id(public_id)
    question = (
        Question.objects.select_related("published_version")
        .filter(pk=pk, published_version__isnull=False)
        .first()
        if pk
        else None
    )
    if question is None:
        raise NotFound("No such question.")
    return question


def _search(questions: QuerySet[Question], text: str) -> QuerySet[Question]:
    pk = parse_public_id(text.strip())
    if pk:
        return questions.filter(pk=pk)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        vector = SearchVector("search_document", config="english")
        return questions.annotate(search=vector).filter(
            search=SearchQuery(text, config="english", search_type="websearch")
        )
    # SQLite: every word must appear somewhere in the text.
    for word in text.split()[:10]:
        questions = questions.filter(search_document__icontains=word)
    return questions


# How the bank list may be sorted: by the published version's item statistics, which
# analytics writes; questions without them come last.
SORTS = {
    "": ("-updated_at", "-id"),
    "p": (F("published_version__statistics__p_value").asc(nulls_last=True), "-id"),
    "-p": (F("published_version__statistics__p_value").desc(nulls_last=True), "-id"),
    "rpb": (F("published_version__statistics__point_biserial").asc(nulls_last=True), "-id"),
}


def bank_list(*, user: User, filters: BankFilters, sort: str = "") -> QuerySet[Question]:
    questions = questions_visible_to(user)
    if filters.exam:
        questions = questions.filter(exam__code=filters.exam)
    if filters.discipline:
        questions = questions.filter(discipline__code=filters.discipline)
    if filters.system:
        questions = questions.filter(system__code=filters.system)
    if filters.status in (State.DRAFT, State.IN_REVIEW):
        questions = questions.filter(latest_version__state=filters.status).exclude(
            status=Question.Status.RETIRED
        )
    elif filters.status:
        questions = questions.filter(status=filters.status)
    if filters.author:
        questions = questions.filter(author__username=filters.author)
    if filters.tag:
        questions = questions.filter(tags__name__iexact=filters.tag)
    if filters.q.strip():
        questions = _search(questions, filters.q)
    return (
        questions.select_related(
            "exam",
            "discipline",
            "system",
            "author",
            "latest_version",
            "published_version__statistics",
        )
        .prefetch_related("tags")
        .order_by(*SORTS.get(sort, SORTS[""]))
        .distinct()
    )


def review_queue() -> QuerySet[Question]:
    return (
        Question.objects.filter(latest_version__state=State.IN_REVIEW)
        .exclude(status=Question.Status.RETIRED)
        .select_related("exam", "discipline", "system", "author", "latest_version")
        .order_by("updated_at")
    )


def version_with_content(version_id: int) -> QuestionVersion:
    return (
        QuestionVersion.objects.select_related("question")
        .prefetch_related(Prefetch("options", queryset=Option.objects.order_by("letter")))
        .get(pk=version_id)
    )


def versions_of(question: Question) -> QuerySet[QuestionVersion]:
    return (
        question.versions.select_related("created_by", "published_by")
        .prefetch_related(
            Prefetch("options", queryset=Option.objects.order_by("letter")),
            Prefetch("comments", queryset=ReviewComment.objects.select_related("author")),
        )
        .order_by("-number")
    )


def reports_for(user: User, *, status: str = "") -> QuerySet[ErrorReport]:
    """Editors see every report; everyone else sees their own."""
    reports = ErrorReport.objects.select_related(
        "version__question", "reporter", "resolved_by"
    ).order_by("-created_at")
    if not has_role(user, Role.EDITOR):
        reports = reports.filter(reporter=user)
    if status:
        reports = reports.filter(status=status)
    return reports


@dataclass(frozen=True)
class Taxonomy:
    exams: list[Exam]
    disciplines: list[Discipline]
    systems: list[System]


def taxonomy() -> Taxonomy:
    return Taxonomy(
        list(Exam.objects.all()), list(Discipline.objects.all()), list(System.objects.all())
    )


def published_statistics(question: Question) -> VersionStatistics | None:
    """The item statistics of the version students see, if analytics has written any."""
    if question.published_version_id is None:
        return None
    return VersionStatistics.objects.filter(version_id=question.published_version_id).first()


STATISTICS_COLUMNS = (
    "question",
    "version",
    "exam",
    "discipline",
    "system",
    "responses",
    "correct",
    "p",
    "rpb",
    "median_seconds",
    "flags",
    "option_counts",
    "option_rpbs",
)


def statistics_rows():
    """Every published version's item statistics, one row each, for the editors' CSV."""
    rows = VersionStatistics.objects.select_related(
        "version__question__exam", "version__question__discipline", "version__question__system"
    ).order_by("version__question_id", "version__number")
    for stats in rows.iterator(chunk_size=2000):
        question = stats.version.question
        yield (
            question.public_id,
            stats.version.number,
            question.exam.code,
            question.discipline.code,
            question.system.code,
            stats.responses,
            stats.correct,
            "" if stats.p_value is None else f"{stats.p_value:.3f}",
            "" if stats.point_biserial is None else f"{stats.point_biserial:.3f}",
            "" if stats.median_seconds is None else f"{stats.median_seconds:.0f}",
            " ".join(stats.flags),
            " ".join(f"{k}:{v}" for k, v in stats.option_counts.items()),
            " ".join(
                f"{k}:{'' if v is None else f'{v:.3f}'}"
                for k, v in stats.option_point_biserials.items()
            ),
        )


def version_draft(question: Question, version: QuestionVersion) -> ItemDraft:
    """One of a question's versions as the checker reads it (its images are in its HTML, with
    their alt text); the question, with its taxonomy, as the caller already has it."""
    return ItemDraft(
        position=1,
        uid=str(question.uid),
        external_id=question.public_id,
        exam=question.exam.code,
        discipline=question.discipline.code,
        system=question.system.code,
        markup=version.markup,
        stem=version.stem_source,
        lead_in=version.lead_in_source,
        options=[
            OptionDraft(o.text_source, o.explanation_source, o.is_correct)
            for o in version.options.all()
        ],
        explanation=version.explanation_source,
        objective=version.objective_source,
        references=list(version.references),
        waivers=dict(version.waivers),
    )


def question_findings(question: Question) -> list[item_checks.Finding]:
    """What the item-writing checker finds in a question's newest version."""
    return item_checks.item_findings(version_draft(question, question.latest_version))


def draft_findings(draft: ItemDraft) -> list[item_checks.Finding]:
    """What the checker finds in an item not yet saved; its waivers must name rules and give
    reasons, as they must to be saved."""
    if problems := item_checks.waiver_problems(draft.waivers):
        raise InvalidInput(fields={"waivers": problems})
    return item_checks.item_findings(draft)


def published_drafts() -> list[ItemDraft]:
    """Every published question's published version, for checking the bank as students see it."""
    questions = (
        Question.objects.filter(status=Question.Status.PUBLISHED)
        .select_related("exam", "discipline", "system", "published_version")
        .prefetch_related(
            Prefetch("published_version__options", queryset=Option.objects.order_by("letter"))
        )
        .order_by("pk")
    )
    return [version_draft(question, question.published_version) for question in questions]
