import uuid
from pathlib import Path
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.blocks import pools, selectors, services
from apps.blocks.changes import IncomingChange
from apps.blocks.forms import BlockCreateForm
from apps.blocks.models import Block
from apps.core.access import login_required, public
from apps.core.errors import VignetteError
from apps.core.forms import form_add_error
from apps.questions.rendering import item_skeleton, render_item

PAGE_SIZE = 20


@login_required
def block_new(request):
    form = BlockCreateForm(request.POST or None, initial=_initial_from(request))
    if request.method == "POST" and form.is_valid():
        spec = services.BlockSpec.from_choices(form.cleaned_data)
        try:
            block = services.block_create(user=request.user, spec=spec)
        except VignetteError as exc:
            form_add_error(form, exc)
        else:
            return redirect("blocks:exam", public_id=block.public_id)
    filters = pools.Filters(
        pools=tuple(form["pools"].value() or ("unused",)),
        exams=tuple(form["exams"].value() or ()),
        disciplines=tuple(form["disciplines"].value() or ()),
        systems=tuple(form["systems"].value() or ()),
    )
    counts = selectors.choice_counts(user=request.user, filters=filters)
    return render(
        request,
        "blocks/new.html",
        {"form": form, "counts": counts},
        status=400 if form.errors else 200,
    )


def _initial_from(request) -> dict:
    """The form as a link asks for it: a custom block of a finished block's incorrect or
    marked items (?from=<id>&pick=…), or practice in chosen areas (?disciplines=…&systems=…,
    as the performance report's weakest areas link), from unused and incorrect questions."""
    areas = {name: request.GET.getlist(name) for name in ("exams", "disciplines", "systems")}
    if any(areas.values()):
        return {"pools": ["unused", "incorrect"], **{k: v for k, v in areas.items() if v}}
    source, pick = request.GET.get("from"), request.GET.get("pick")
    if not source or pick not in selectors.REVISIT:
        return {}
    try:
        block = selectors.block_for_user(user=request.user, public_id=uuid.UUID(source))
    except (ValueError, VignetteError):
        return {}
    ids, retired = selectors.revisit_question_ids(block, pick)
    if retired:
        messages.info(
            request, f"{retired} of its {pick} question(s) left the bank since and are left out."
        )
    if not ids:
        messages.info(request, f"That block has no {pick} questions to practise again.")
        return {}
    return {"question_ids": "\n".join(ids), "clock": block.clock, "feedback": block.feedback}


@login_required
def history(request):
    status = request.GET.get("status", "")
    status = status if status in Block.Status.values else ""
    pass_number = _pass_chosen(request)
    blocks = services.blocks_listed(request.user, status=status, pass_number=pass_number)
    page = Paginator(blocks, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    revisit = selectors.revisit_counts(list(page))
    return render(
        request,
        "blocks/history.html",
        {
            "page": page,
            "rows": [(b, selectors.block_summary(b, now), revisit.get(b.pk, {})) for b in page],
            "status": status,
            "statuses": Block.Status.choices,
            "pass_number": pass_number,
            "query": urlencode({k: v for k, v in (("status", status), ("pass", pass_number)) if v}),
            "passes": range(1, request.user.current_pass + 1),
            "current_pass": request.user.current_pass,
        },
    )


def _pass_chosen(request) -> int | None:
    value = request.GET.get("pass", "")
    return int(value) if value.isdigit() and 1 <= int(value) <= request.user.current_pass else None


@login_required
def exam(request, public_id):
    """The exam interface: a page that takes the block through the public API, and reviews it
    the same way once it has ended."""
    block, _ = services.block_open(user=request.user, public_id=public_id)
    return render(
        request,
        "blocks/exam.html",
        {
            "the_block": block,
            "skeleton": item_skeleton(reveal=False),
            "revealed_skeleton": item_skeleton(reveal=True),
        },
    )


@public
def exam_service_worker(request):
    """The exam page's service worker, served under /blocks/ so that its scope covers the
    exam pages (a script under /static/ could only control /static/)."""
    script = finders.find("js/exam/sw.js")
    response = HttpResponse(Path(script).read_bytes(), content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def take(request, public_id, position):
    """The plain-HTML way through a block: one item per page, a form per change."""
    block, now = services.block_open(user=request.user, public_id=public_id)
    if block.status == Block.Status.ENDED:
        return redirect("blocks:results", public_id=block.public_id)
    if block.status == Block.Status.SUSPENDED:
        block = services.block_resume(user=request.user, public_id=public_id)
    items = list(selectors.block_items(block))
    position = min(max(position, 1), len(items))
    item = items[position - 1]
    if request.method == "POST":
        return _save_and_move(request, block, item, len(items))
    return render(
        request,
        "blocks/take.html",
        {
            # Not "block": templates use that name for {{ block.super }}.
            "the_block": block,
            "summary": selectors.block_summary(block, now),
            "item": item,
            "item_html": render_item(
                item.version, reveal=selectors.reviewable(block, item), chosen=item.answer
            ),
            "items": items,
            "position": position,
        },
    )


def _save_and_move(request, block, item, count):
    now = timezone.now()
    answer, move = request.POST.get("answer", ""), request.POST.get("move")
    changes = [
        IncomingChange(uuid.uuid4(), item.position, "answer", answer, now),
        IncomingChange(uuid.uuid4(), item.position, "marked", "marked" in request.POST, now),
    ]
    if move == "submit" and answer:
        changes.append(IncomingChange(uuid.uuid4(), item.position, "submit", answer, now))
    try:
        result = services.changes_apply(
            user=request.user, public_id=block.public_id, changes=changes, client_now=now
        )
    except VignetteError as exc:
        messages.error(request, exc.message)
        return redirect("blocks:take", public_id=block.public_id, position=item.position)
    if result.refused:
        messages.error(request, "Time ran out: the block has ended and this answer was not saved.")
        return redirect("blocks:results", public_id=block.public_id)
    target = {"next": item.position + 1, "previous": item.position - 1}.get(move, item.position)
    if move == "end":
        return redirect("blocks:end", public_id=block.public_id)
    return redirect("blocks:take", public_id=block.public_id, position=min(max(target, 1), count))


@login_required
def end(request, public_id):
    block, now = services.block_open(user=request.user, public_id=public_id)
    if request.method == "POST":
        services.block_end(user=request.user, public_id=public_id)
        return redirect("blocks:results", public_id=public_id)
    if block.status == Block.Status.ENDED:
        return redirect("blocks:results", public_id=public_id)
    items = list(block.items.all())
    return render(
        request,
        "blocks/end.html",
        {
            "the_block": block,
            "summary": selectors.block_summary(block, now),
            "unanswered": [item.position for item in items if not item.answer],
            "marked": [item.position for item in items if item.marked],
        },
    )


@login_required
@require_POST
def suspend(request, public_id):
    try:
        services.block_suspend(user=request.user, public_id=public_id)
    except VignetteError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The block is suspended; resume it from your history.")
    return redirect("blocks:history")


@login_required
def results(request, public_id):
    block, now = services.block_open(user=request.user, public_id=public_id)
    if block.status != Block.Status.ENDED:
        return redirect("blocks:take", public_id=public_id, position=1)
    items = list(
        selectors.block_items(block).select_related("question__discipline", "question__system")
    )
    return render(
        request,
        "blocks/results.html",
        {
            "the_block": block,
            "summary": selectors.block_summary(block, now),
            "items": items,
            "marked_count": sum(1 for item in items if item.marked),
        },
    )


@login_required
def review(request, public_id, position):
    block, _ = services.block_open(user=request.user, public_id=public_id)
    items = list(selectors.block_items(block))
    position = min(max(position, 1), len(items))
    item = items[position - 1]
    payload = selectors.item_payload(block, item)
    if payload["review"] is None:
        return redirect("blocks:take", public_id=public_id, position=position)
    return render(
        request,
        "blocks/review.html",
        {
            "the_block": block,
            "item": item,
            "payload": payload,
            "item_html": render_item(item.version, reveal=True, chosen=item.answer),
            "position": position,
            "count": len(items),
        },
    )


@login_required
@require_POST
def delete(request, public_id):
    try:
        services.block_delete(user=request.user, public_id=public_id)
    except VignetteError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            "The block is deleted. Your first answers stay, with no name, in the statistics "
            "other students see.",
        )
    return redirect("blocks:history")


@login_required
@require_POST
def new_pass(request):
    services.pass_start(user=request.user)
    messages.success(
        request,
        f"Pass {request.user.current_pass} has begun: every question is unused again. Your "
        "earlier blocks stay in your history, labelled by pass.",
    )
    return redirect("blocks:history")


@login_required
@require_POST
def history_delete(request):
    deleted = services.history_delete(user=request.user)
    messages.success(
        request,
        f"{deleted} block(s) deleted. Your first answers stay, with no name, in the statistics "
        "other students see.",
    )
    return redirect("blocks:history")
