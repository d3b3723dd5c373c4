from itertools import pairwise

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.accounts.models import Role
from apps.accounts.permissions import has_role, role_required
from apps.core.access import login_required
from apps.core.errors import InvalidInput, VignetteError
from apps.core.forms import form_add_error
from apps.core.http import csv_download
from apps.questions import exports, imports, selectors, services
from apps.questions.diff import version_diff
from apps.questions.formats import FORMATS
from apps.questions.forms import (
    BankFilterForm,
    CommentForm,
    ExportForm,
    ImportConfirmForm,
    ImportForm,
    QuestionForm,
    ReportForm,
    ResolveForm,
)
from apps.questions.models import ErrorReport, ImportJob
from apps.questions.rendering import render_item

PAGE_SIZE = 25
BANK_ROLES = (Role.AUTHOR, Role.EDITOR)


@role_required(*BANK_ROLES)
def bank(request):
    form = BankFilterForm(request.GET or None)
    values = form.cleaned_data if form.is_valid() else {}
    sort = values.pop("sort", "")
    filters = selectors.BankFilters(**{k: v for k, v in values.items() if v})
    questions = selectors.bank_list(user=request.user, filters=filters, sort=sort)
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "questions/bank.html",
        {"form": form, "page": page, "query": query.urlencode(), "filtered": bool(values)},
    )


def _save_question(request, form, question=None):
    try:
        draft = form.to_draft()
        if question is None:
            return services.question_create(user=request.user, draft=draft)
        services.question_update(question=question, user=request.user, draft=draft)
    except VignetteError as exc:
        form_add_error(form, exc)
        return None
    return question


@role_required(Role.AUTHOR)
def question_new(request):
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        question = _save_question(request, form)
        if question is not None:
            messages.success(request, f"{question.public_id} is saved as a draft.")
            return redirect("questions:detail", public_id=question.public_id)
    status = 400 if form.errors else 200
    return render(
        request,
        "questions/edit.html",
        {"form": form, "question": None, "findings": []},
        status=status,
    )


@role_required(*BANK_ROLES)
def question_edit(request, public_id):
    question = selectors.question_for_user(user=request.user, public_id=public_id)
    form = QuestionForm(request.POST or None, initial=QuestionForm.initial_for(question))
    if request.method == "POST" and form.is_valid() and _save_question(request, form, question):
        messages.success(request, f"{question.public_id} is saved.")
        return redirect("questions:detail", public_id=question.public_id)
    status = 400 if form.errors else 200
    findings = selectors.question_findings(question)
    return render(
        request,
        "questions/edit.html",
        {"form": form, "question": question, "findings": findings},
        status=status,
    )


@role_required(*BANK_ROLES)
def question_detail(request, public_id):
    question = selectors.question_for_user(user=request.user, public_id=public_id)
    versions = list(selectors.versions_of(question))
    user = request.user
    is_editor = has_role(user, Role.EDITOR)
    is_own = question.author_id == user.pk
    state = question.latest_version.state
    return render(
        request,
        "questions/detail.html",
        {
            "question": question,
            "item_html": render_item(question.latest_version, reveal=True),
            "versions": versions,
            "comment_form": CommentForm(),
            "can_edit": is_editor or (is_own and state != "in_review"),
            "can_submit": (is_editor or is_own) and state == "draft",
            "can_review": is_editor and state == "in_review",
            "can_publish": is_editor and state != "published",
            "can_retire": is_editor and question.status != "retired",
            "can_comment": is_editor or is_own,
            "statistics": selectors.published_statistics(question),
            "findings": selectors.question_findings(question),
        },
    )


ACTIONS = {
    "submit": (services.question_submit, "sent for review"),
    "return": (services.question_return, "returned to its author"),
    "publish": (services.question_publish, "published"),
    "retire": (services.question_retire, "retired"),
    "comment": (services.question_comment, None),
}


@role_required(*BANK_ROLES)
@require_POST
def question_action(request, public_id, action):
    question = selectors.question_for_user(user=request.user, public_id=public_id)
    service, done = ACTIONS[action]
    comment = request.POST.get("comment", "")
    arguments = {"question": question, "user": request.user}
    if action == "return":
        arguments["comment"] = comment
    elif action == "retire":
        arguments["reason"] = comment
    elif action == "comment":
        arguments["body"] = comment
    try:
        service(**arguments)
    except VignetteError as exc:
        field_messages = [message for group in exc.fields.values() for message in group]
        messages.error(request, " ".join(field_messages) or exc.message)
    else:
        messages.success(request, f"{question.public_id} is {done}." if done else "Comment added.")
    return redirect("questions:detail", public_id=question.public_id)


@role_required(*BANK_ROLES)
def question_history(request, public_id):
    question = selectors.question_for_user(user=request.user, public_id=public_id)
    versions = list(selectors.versions_of(question))
    changes = [(newer, older, version_diff(older, newer)) for newer, older in pairwise(versions)]
    return render(
        request,
        "questions/history.html",
        {"question": question, "versions": versions, "changes": changes},
    )


@role_required(Role.EDITOR)
def review_queue(request):
    return render(request, "questions/review_queue.html", {"questions": selectors.review_queue()})


@login_required
def reports(request):
    status = request.GET.get("status", "open" if has_role(request.user, Role.EDITOR) else "")
    reports = selectors.reports_for(request.user, status=status)
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "questions/reports.html",
        {
            "page": page,
            "status": status,
            "is_editor": has_role(request.user, Role.EDITOR),
            "statuses": ErrorReport.Status.choices,
        },
    )


@role_required(Role.EDITOR)
@require_POST
def report_resolve(request, public_id):
    report = ErrorReport.objects.filter(public_id=public_id).first()
    form = ResolveForm(request.POST)
    if report is None:
        messages.error(request, "No such report.")
    elif not form.is_valid():
        messages.error(request, "Choose fixed or dismissed and say what was done.")
    else:
        try:
            services.error_report_resolve(report=report, user=request.user, **form.cleaned_data)
        except VignetteError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "The reporter can now see what was done.")
    return redirect(reverse("questions:reports"))


@login_required
def report_new(request, public_id):
    question = selectors.published_question(public_id=public_id)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.error_report_create(
                user=request.user, question=question, note=form.cleaned_data["note"]
            )
        except VignetteError as exc:
            form_add_error(form, exc)
        else:
            messages.success(request, "Thank you: the editors will look at your report.")
            return redirect("questions:reports")
    status = 400 if form.errors else 200
    return render(
        request, "questions/report_new.html", {"form": form, "question": question}, status=status
    )


def _format_choices(*, exporting: bool = False) -> list[tuple[str, str]]:
    return [(key, fmt.label) for key, fmt in FORMATS.items() if fmt.can_export or not exporting]


@role_required(*BANK_ROLES)
def import_new(request):
    form = ImportForm(request.POST or None, request.FILES or None, formats=_format_choices())
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > imports.MAX_IMPORT_BYTES:
                raise InvalidInput(fields={"file": ["The file is larger than 50 MB."]})
            job = imports.import_job_create(
                user=request.user,
                filename=upload.name,
                data=upload.read(),
                format=form.cleaned_data["format"],
                source=form.cleaned_data["source"],
                defaults={k: form.cleaned_data[k] for k in imports.PLACEMENT_FIELDS},
            )
        except VignetteError as exc:
            form_add_error(form, exc)
        else:
            return redirect("questions:import", public_id=job.public_id)
    status = 400 if form.errors else 200
    return render(request, "questions/import_new.html", {"form": form}, status=status)


@role_required(*BANK_ROLES)
def import_detail(request, public_id):
    job = imports.import_job_for_user(user=request.user, public_id=public_id)
    form = ImportConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            imports.import_job_confirm(job=job, user=request.user, **form.cleaned_data)
        except VignetteError as exc:
            form_add_error(form, exc)
        else:
            return redirect("questions:import", public_id=job.public_id)
    counts = job.report.get("counts", {})
    return render(
        request,
        "questions/import_detail.html",
        {
            "job": job,
            "form": form,
            "counts": counts,
            "result": job.report.get("result", {}),
            "items": [
                i
                for i in job.report.get("items", [])
                if i["action"] != "unchanged" or i.get("warnings")
            ],
            "warned": job.report.get("warned", 0),
            "working": job.status in (ImportJob.Status.ANALYSING, ImportJob.Status.IMPORTING),
            "can_publish": has_role(request.user, Role.EDITOR),
        },
        status=400 if form.errors else 200,
    )


@role_required(Role.EDITOR)
def statistics_csv(request):
    return csv_download(
        selectors.STATISTICS_COLUMNS, selectors.statistics_rows(), "vignette-item-statistics.csv"
    )


@role_required(Role.EDITOR)
def export(request):
    form = ExportForm(request.GET or None, formats=_format_choices(exporting=True))
    if form.is_valid():
        filters = selectors.bank_filters_from(request.GET)
        rendered = exports.export_questions(
            user=request.user, format=form.cleaned_data["file_format"], filters=filters
        )
        return exports.download(rendered)
    return render(request, "questions/export.html", {"form": form, "filters": BankFilterForm()})
