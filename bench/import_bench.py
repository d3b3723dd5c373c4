"""Import throughput: a 10,000-item native JSON file through the importer users use, against a
plain bulk_create of the same rows in the same run (target: at most 3 times as long).

    make bench-import            # SQLite
    DATABASE_URL=… make bench-import   # PostgreSQL
"""

import argparse

from bench.harness import Figure, report, setup_django, throwaway_database, timed

TARGET = 3.0


def _baseline_rows(drafts):
    """Every row the importer writes (questions, versions, options, tags and their links, the
    publishing comments), built before timing: what bulk_create is given."""
    from apps.questions import content, sanitize
    from apps.questions.models import (
        Discipline,
        Exam,
        Option,
        Question,
        QuestionVersion,
        ReviewComment,
        System,
        Tag,
    )

    exams = {row.code: row for row in Exam.objects.all()}
    disciplines = {row.code: row for row in Discipline.objects.all()}
    systems = {row.code: row for row in System.objects.all()}
    questions, versions, options = [], [], []
    tags = {name: Tag(name=name) for draft in drafts for name in draft.tags}
    links = []
    for draft in drafts:
        stem_html = sanitize.markdown_to_html(draft.stem)
        question = Question(
            uid=draft.uid,
            status=Question.Status.PUBLISHED,
            exam=exams[draft.exam],
            discipline=disciplines[draft.discipline],
            system=systems[draft.system],
            source="baseline",
            external_id=draft.uid,
            search_document=sanitize.html_to_text(f"{stem_html} {draft.lead_in}"),
        )
        version = QuestionVersion(
            number=1,
            markup=draft.markup,
            stem_source=draft.stem,
            stem_html=stem_html,
            state=QuestionVersion.State.PUBLISHED,
            lead_in_source=draft.lead_in,
            lead_in_html=draft.lead_in,
            explanation_source=draft.explanation,
            explanation_html=sanitize.markdown_to_html(draft.explanation),
            objective_source=draft.objective,
            objective_html=sanitize.markdown_to_html(draft.objective),
            references=draft.references,
            content_hash=content.content_hash(draft),
        )
        links.append((question, [tags[name] for name in draft.tags]))
        questions.append(question)
        versions.append(version)
        options.append(
            [
                Option(
                    letter="ABCDE"[index],
                    text_source=option.text,
                    text_html=option.text,
                    explanation_source=option.explanation,
                    explanation_html=sanitize.markdown_to_html(option.explanation),
                    is_correct=option.correct,
                )
                for index, option in enumerate(draft.options)
            ]
        )
    comments = [ReviewComment(kind=ReviewComment.Kind.PUBLISHED) for _ in drafts]
    return questions, versions, options, list(tags.values()), links, comments


def _bulk_create(questions, versions, options, tags, links, comments):
    from django.db import transaction
    from django.db.models import OuterRef, Subquery

    from apps.questions.models import Option, Question, QuestionVersion, ReviewComment, Tag

    with transaction.atomic():
        Tag.objects.bulk_create(tags)
        Question.objects.bulk_create(questions, batch_size=1000)
        for question, version in zip(questions, versions, strict=True):
            version.question = question
        QuestionVersion.objects.bulk_create(versions, batch_size=1000)
        rows = []
        for version, version_options in zip(versions, options, strict=True):
            for option in version_options:
                option.version = version
                rows.append(option)
        Option.objects.bulk_create(rows, batch_size=2000)
        Question.tags.through.objects.bulk_create(
            Question.tags.through(question=question, tag=tag)
            for question, question_tags in links
            for tag in question_tags
        )
        for comment, version in zip(comments, versions, strict=True):
            comment.version = version
        ReviewComment.objects.bulk_create(comments)
        # Each question points at its version, as the import leaves it: the one statement the
        # import uses for it too (Django's bulk_update would be far slower, and no baseline).
        first = QuestionVersion.objects.filter(question=OuterRef("pk"), number=1).values("pk")
        Question.objects.filter(source="baseline").update(
            latest_version=Subquery(first), published_version=Subquery(first)
        )


def _import(data: bytes):
    from apps.questions import imports
    from apps.questions.models import ImportJob

    job = ImportJob.objects.create(
        format="native", filename="bench.json", source="bench", data=data
    )
    imports.import_job_analyse(job_id=job.pk)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING, publish=True)
    imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.message
    assert job.report["result"]["create"] == len(job.report["items"]) or job.report["truncated"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    count = parser.parse_args().items
    setup_django()
    from apps.questions.formats import native
    from apps.questions.models import Question, Tag
    from bench.generator import drafts

    items = drafts(count)
    data = native.render(items).data
    with throwaway_database():
        rows = _baseline_rows(items)
        baseline = timed(lambda: _bulk_create(*rows))
        Question.objects.all().delete()
        Tag.objects.all().delete()
        seconds = timed(lambda: _import(data))
        imported = Question.objects.filter(status="published").count()
    assert imported == count, imported
    ratio = seconds / baseline
    report(
        [
            Figure(
                name=f"import {count:,} items (native JSON)",
                seconds=seconds,
                baseline="bulk_create of the same rows",
                baseline_seconds=baseline,
                target=f"<= {TARGET:g}x",
                ratio=ratio,
                passed=ratio <= TARGET,
                detail={"items": count, "items_per_second": round(count / seconds, 1)},
            )
        ],
        name="import",
    )


if __name__ == "__main__":
    main()
