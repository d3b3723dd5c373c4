from django.shortcuts import render

from apps.accounts.models import Role
from apps.accounts.permissions import role_required
from apps.analytics import charts as charts_svg
from apps.analytics import selectors
from apps.analytics.forms import ReliabilityForm
from apps.core.access import login_required
from apps.core.http import csv_download


@login_required
def performance(request):
    first_pass_only = request.GET.get("first_pass") == "true"
    feedback = request.GET.get("feedback", "all")
    basis = selectors.Basis(
        first_pass_only=first_pass_only,
        feedback=feedback if feedback in selectors.FEEDBACKS else "all",
    )
    report = selectors.performance(user=request.user, basis=basis)
    trend = selectors.trends(user=request.user, basis=basis)
    charts = [
        (
            title,
            rows,
            charts_svg.line_chart(
                [(row["label"], row["percent"]) for row in rows],
                title=title,
                description=f"Percent correct {what}; the table below gives the numbers.",
            ),
        )
        for title, what, rows in (
            ("Percent correct per block", "in each of your latest blocks", trend["blocks"]),
            ("Percent correct per week", "in each week you ended blocks", trend["weeks"]),
        )
        if rows
    ]
    return render(
        request,
        "analytics/performance.html",
        {
            "report": report,
            "charts": charts,
            "axes": [
                ("Exams", report["exams"]),
                ("Disciplines", report["disciplines"]),
                ("Systems", report["systems"]),
            ],
        },
    )


@login_required
def answers_csv(request):
    return csv_download(
        selectors.EXPORT_COLUMNS,
        selectors.answers_export(user=request.user),
        "vignette-answers.csv",
    )


@role_required(Role.EDITOR)
def reliability(request):
    """KR-20 of a list of questions, such as a custom block a study group shares by id."""
    form = ReliabilityForm(request.GET or None)
    result = None
    if form.is_valid():
        result = selectors.reliability(question_ids=form.cleaned_data["question_ids"])
    return render(request, "analytics/reliability.html", {"form": form, "result": result})
