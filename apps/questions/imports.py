"""Importing a file into the bank: upload, a dry-run report, confirmation, then the import.

Every step reads the file from the job's row, so any worker on any host can do it, and every
step can run again safely: an item already imported is found by its identity and left alone.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.accounts.permissions import has_role
from apps.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from apps.core.tasks import enqueue
from apps.questions import content, item_checks, services
from apps.questions.formats import FORMATS, detect
from apps.questions.formats.archive import write_zip
from apps.questions.formats.base import FormatError, ImportSource, ItemDraft, ParseResult
from apps.questions.images import image_check
from apps.questions.models import ImportJob, Question

MAX_IMPORT_BYTES = 50 * 1024 * 1024
BATCH_SIZE = 500
REPORT_ROWS = 2000  # the report lists at most this many items; the counts cover all
STALE_AFTER = timedelta(minutes=5)

CREATE, UPDATE, UNCHANGED, ERROR, SKIPPED = "create", "update", "unchanged", "error", "skipped"
ACTIONS = (CREATE, UPDATE, UNCHANGED, ERROR, SKIPPED)
PLACEMENT_FIELDS = ("exam", "discipline", "system")
Status = ImportJob.Status


# --- Creating and confirming a job -------------------------------------------------------------


@transaction.atomic
def import_job_create(
    *,
    user: User,
    filename: str,
    data: bytes,
    format: str = "",
    source: str = "",
    defaults: dict[str, str] | None = None,
) -> ImportJob:
    services.check_can_author(user)
    if not data:
        raise InvalidInput(fields={"file": ["The file is empty."]})
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput(
            fields={"file": [f"The file is larger than {MAX_IMPORT_BYTES // 2**20} MB."]}
        )
    format = format or detect(filename, data) or ""
    if format not in FORMATS:
        raise InvalidInput(
            fields={"format": ["Choose the file's format; it could not be told from the file."]}
        )
    job = ImportJob.objects.create(
        created_by=user,
        format=format,
        filename=filename[:255],
        source=(source.strip() or format)[:100],
        defaults={k: v for k, v in (defaults or {}).items() if k in PLACEMENT_FIELDS and v},
        data=data,
    )
    _queue_analysis(job)
    return job


def import_job_for_user(*, user: User, public_id) -> ImportJob:
    jobs = ImportJob.objects.all() if has_role(user, Role.EDITOR) else user.import_jobs.all()
    job = jobs.filter(public_id=public_id).first()
    if job is None:
        raise NotFound("No such import.")
    return job


@transaction.atomic
def import_job_confirm(
    *, job: ImportJob, user: User, only_valid: bool = False, publish: bool = False
) -> ImportJob:
    if publish and not has_role(user, Role.EDITOR):
        raise PermissionDenied("Publishing imported questions needs the editor role.")
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    counts = job.report.get("counts", {})
    if job.status != Status.ANALYSED:
        state = job.get_status_display().lower()
        raise Conflict(f"This import cannot be confirmed now: it is {state}.")
    if counts.get(ERROR) and not only_valid:
        raise Conflict(
            f"{counts[ERROR]} item(s) have errors. Correct the file and upload it again, "
            "or choose to import only the valid items."
        )
    claimed = ImportJob.objects.filter(pk=job.pk, status=Status.ANALYSED).update(
        status=Status.IMPORTING,
        only_valid=only_valid,
        publish=publish,
        processed=0,
        updated_at=timezone.now(),
    )
    if not claimed:
        raise Conflict("This import was confirmed already.")
    job.refresh_from_db()
    _queue_run(job)
    return job


@transaction.atomic
def import_job_cancel(*, job: ImportJob) -> ImportJob:
    cancelled = ImportJob.objects.filter(
        pk=job.pk, status__in=[Status.ANALYSING, Status.ANALYSED]
    ).update(status=Status.CANCELLED, finished_at=timezone.now(), data=b"")
    if not cancelled:
        raise Conflict("Only an import that has not started can be cancelled.")
    job.refresh_from_db()
    return job


def _queue_analysis(job: ImportJob) -> None:
    # Imported here: the tasks module imports this one.
    from apps.questions.tasks import import_analyse_task

    enqueue(import_analyse_task, job.pk)


def _queue_run(job: ImportJob) -> None:
    from apps.questions.tasks import import_run_task

    enqueue(import_run_task, job.pk)


# --- Planning: what each item will do --------------------------------------------------------


@dataclass
class Plan:
    draft: ItemDraft | None
    action: str
    position: int
    identifier: str
    message: str = ""
    question: Question | None = None
    external_id: str = ""
    warnings: list[str] = field(default_factory=list)  # the item-writing checker's, unwaived


def parse_job(job: ImportJob) -> ParseResult:
    result = FORMATS[job.format].parse(ImportSource(filename=job.filename, data=bytes(job.data)))
    for draft in result.items:
        for name in PLACEMENT_FIELDS:
            if not getattr(draft, name):
                setattr(draft, name, job.defaults.get(name, ""))
    return result


def _external_id(draft: ItemDraft) -> str:
    return draft.uid or draft.external_id or content.identity_hash(draft)


def plan_items(result: ParseResult, *, source: str, checked: bool = True) -> list[Plan]:
    """Decide create, update, unchanged, error or skipped for every item, in file order, with
    the item-writing checker's warnings when `checked` (the dry run's report shows them)."""
    plans = [
        Plan(None, ERROR, error.position, error.identifier, error.message)
        for error in result.errors
    ] + [
        Plan(None, SKIPPED, skipped.position, skipped.identifier, skipped.reason)
        for skipped in result.skipped
    ]
    existing = _existing_questions(result.items, source=source)
    index = services.PlacementIndex()
    seen: set[str] = set()
    for draft in result.items:
        identifier = draft.external_id or draft.uid or draft.title
        external_id = _external_id(draft)
        if external_id in seen:
            plans.append(
                Plan(
                    draft,
                    ERROR,
                    draft.position,
                    identifier,
                    "The same item appears earlier in this file.",
                )
            )
            continue
        seen.add(external_id)
        problems = _problems(draft, index)
        if problems:
            plans.append(Plan(draft, ERROR, draft.position, identifier, problems))
            continue
        question = existing.get(external_id)
        if question is None:
            action = CREATE
        elif question.latest_version.content_hash == content.content_hash(draft):
            action = UNCHANGED
        else:
            action = UPDATE
        warnings = _warnings(draft) if checked else []
        plans.append(
            Plan(draft, action, draft.position, identifier, "", question, external_id, warnings)
        )
    return sorted(plans, key=lambda plan: plan.position)


def _warnings(draft: ItemDraft) -> list[str]:
    return [
        f"{finding.rule}: {finding.message}"
        for finding in item_checks.item_findings(draft)
        if not finding.waived
    ]


def _problems(draft: ItemDraft, index: services.PlacementIndex) -> str:
    fields = {**index.problems(draft), **content.draft_problems(draft)}
    messages = [message for messages in fields.values() for message in messages]
    return " ".join([*messages, *_image_problems(draft)])


def _image_problems(draft: ItemDraft) -> list[str]:
    # In the dry run, so that an image that is not one makes its item an error in the report
    # instead of failing the import half-way, after the batch's other images were written.
    problems = []
    for image in draft.images:
        try:
            image_check(image.data)
        except InvalidInput as exc:
            problems.append(f"The image “{image.name}”: {exc.message}")
    return problems


def _existing_questions(drafts: list[ItemDraft], *, source: str) -> dict[str, Question]:
    """The questions these drafts already are, by uid (native) or by source and external id."""
    uids = [draft.uid for draft in drafts if draft.uid]
    others = [_external_id(draft) for draft in drafts if not draft.uid]
    found: dict[str, Question] = {}
    questions = Question.objects.select_related("latest_version")
    for chunk in _chunks(uids, 500):
        found |= {str(q.uid): q for q in questions.filter(uid__in=chunk)}
    for chunk in _chunks(others, 500):
        found |= {q.external_id: q for q in questions.filter(source=source, external_id__in=chunk)}
    return found


def _chunks(values: list, size: int):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _storable(value):
    """The value with U+0000 shown as U+FFFD: PostgreSQL refuses it in text and JSON, and
    messages quote what a file holds."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_storable(item) for item in value]
    if isinstance(value, dict):
        return {key: _storable(item) for key, item in value.items()}
    return value


def _report(plans: list[Plan]) -> dict:
    counts = Counter(plan.action for plan in plans)
    return {
        "counts": {action: counts.get(action, 0) for action in ACTIONS},
        "warned": sum(bool(plan.warnings) for plan in plans),
        "items": [
            {
                "position": plan.position,
                "identifier": plan.identifier,
                "action": plan.action,
                "message": plan.message,
                "warnings": plan.warnings,
            }
            for plan in plans[:REPORT_ROWS]
        ],
        "truncated": len(plans) > REPORT_ROWS,
    }


# --- The two steps that run as tasks -----------------------------------------------------------


def _claimed_plans(job_id: int, status: str) -> tuple[ImportJob | None, list[Plan]]:
    """The job, if it is in `status`, and its plans; a file that cannot be read fails it."""
    job = ImportJob.objects.filter(pk=job_id, status=status).first()
    if job is None:
        return None, []
    try:
        checked = status == Status.ANALYSING  # the import itself only needs the actions
        return job, plan_items(parse_job(job), source=job.source, checked=checked)
    except FormatError as exc:
        _fail(job, str(exc))
        return None, []


def import_job_analyse(*, job_id: int) -> None:
    """The dry run: parse, plan, and write the report. Running it twice writes the same report."""
    job, plans = _claimed_plans(job_id, Status.ANALYSING)
    if job is None:
        return
    ImportJob.objects.filter(pk=job.pk, status=Status.ANALYSING).update(
        status=Status.ANALYSED,
        report=_storable(_report(plans)),
        total=len(plans),
        updated_at=timezone.now(),
    )


def import_job_run(*, job_id: int) -> None:
    """Import in bounded batches; safe to run again after a crash (done items are unchanged)."""
    job, plans = _claimed_plans(job_id, Status.IMPORTING)
    if job is None:
        return
    if any(plan.action == ERROR for plan in plans) and not job.only_valid:
        _fail(job, "The file now has errors it did not have when it was checked.")
        return
    work = [plan for plan in plans if plan.action in (CREATE, UPDATE, UNCHANGED)]
    index = services.PlacementIndex()
    for start in range(0, len(work), BATCH_SIZE):
        _import_batch(job, work[start : start + BATCH_SIZE], index)
        ImportJob.objects.filter(pk=job.pk).update(
            processed=min(start + BATCH_SIZE, len(work)), updated_at=timezone.now()
        )
    _link_enemies([plan.draft for plan in work if plan.draft.enemies])
    report = job.report | {"result": _report(plans)["counts"]}
    ImportJob.objects.filter(pk=job.pk).update(
        status=Status.DONE, report=report, finished_at=timezone.now(), updated_at=timezone.now()
    )


@transaction.atomic
def _import_batch(job: ImportJob, plans: list[Plan], index: services.PlacementIndex) -> None:
    # New items without images are written together; the rest one by one.
    together = [plan for plan in plans if plan.action == CREATE and not plan.draft.images]
    rest = [plan for plan in plans if plan.action != CREATE or plan.draft.images]
    services.create_questions(
        user=job.created_by,
        drafts=[(plan.draft, plan.external_id) for plan in together],
        source=job.source,
        publish=job.publish,
        index=index,
    )
    for plan in rest:
        if plan.action == UNCHANGED and not job.publish:
            continue
        question = plan.question
        if plan.action == CREATE:
            question = services.create_question(
                user=job.created_by,
                draft=plan.draft,
                source=job.source,
                external_id=plan.external_id,
            )
        elif plan.action == UPDATE:
            question = (
                Question.objects.select_for_update(of=("self",))
                .select_related("latest_version")
                .get(pk=question.pk)
            )
            services.update_question(question=question, user=job.created_by, draft=plan.draft)
        if job.publish and _needs_publishing(question):
            services.publish_question(question=question, user=job.created_by)


def _needs_publishing(question: Question) -> bool:
    question.refresh_from_db(fields=["status", "published_version", "latest_version"])
    return question.published_version_id != question.latest_version_id or question.status != (
        Question.Status.PUBLISHED
    )


@transaction.atomic
def _link_enemies(drafts: list[ItemDraft]) -> None:
    # After every item exists, so an item may name an enemy that comes later in the file.
    for draft in drafts:
        question = Question.objects.filter(uid=draft.uid).first() if draft.uid else None
        if question is not None:
            question.enemies.set(
                Question.objects.filter(uid__in=draft.enemies).exclude(pk=question.pk)
            )


def _fail(job: ImportJob, message: str) -> None:
    # A refused file is not kept: nothing can be done with it but upload a corrected one.
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=Status.FAILED, message=_storable(message), data=b"", finished_at=now, updated_at=now
    )


def import_jobs_resume() -> int:
    """Queue again the jobs whose worker vanished mid-way (nothing written for a while)."""
    stale = ImportJob.objects.filter(
        status__in=[Status.ANALYSING, Status.IMPORTING], updated_at__lt=timezone.now() - STALE_AFTER
    )
    count = 0
    for job in stale:
        ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now())
        (_queue_analysis if job.status == Status.ANALYSING else _queue_run)(job)
        count += 1
    return count


# --- The starter bank --------------------------------------------------------------------------

STARTER_SOURCE = "vignette-starter"


@dataclass(frozen=True)
class StarterResult:
    counts: dict[str, int]
    retired: int


def starter_bank_load(*, folder) -> StarterResult:
    """Load (or bring up to date) the bank shipped with Vignette, through the user's importer.

    Unchanged items stay as they are, changed ones become new published versions, and items
    removed from the file are retired.
    """
    job = ImportJob.objects.create(
        format="native",
        filename="starter-bank.zip",
        source=STARTER_SOURCE,
        data=_zip_folder(folder),
        status=Status.ANALYSING,
    )
    import_job_analyse(job_id=job.pk)
    job.refresh_from_db()
    if job.status != Status.ANALYSED or job.report["counts"][ERROR]:
        errors = [
            item["message"] for item in job.report.get("items", []) if item["action"] == ERROR
        ]
        raise InvalidInput("The starter bank does not load: " + (job.message or "; ".join(errors)))
    ImportJob.objects.filter(pk=job.pk).update(status=Status.IMPORTING, publish=True)
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    kept = [draft.uid for draft in parse_job(job).items]
    return StarterResult(job.report["result"], _retire_missing(kept))


def _zip_folder(folder) -> bytes:
    """The bank's JSON and its figures, as one archive the native format reads."""
    files = {"bank.json": (folder / "bank.json").read_bytes()}
    for figure in sorted((folder / "figures").glob("*.png")):
        files[f"figures/{figure.name}"] = figure.read_bytes()
    return write_zip(files)


@transaction.atomic
def _retire_missing(kept_uids: list[str]) -> int:
    missing = (
        Question.objects.filter(source=STARTER_SOURCE)
        .exclude(uid__in=kept_uids)
        .exclude(status=Question.Status.RETIRED)
    )
    count = 0
    for question in missing:
        services.retire_question(
            question=question, user=None, reason="Removed from the starter bank."
        )
        count += 1
    return count
