import csv
from itertools import chain

from django.http import StreamingHttpResponse
from django.shortcuts import render

from apps.analytics import selectors
from apps.core.access import login_required


@login_required
def performance(request):
    first_pass_only = request.GET.get("first_pass") == "true"
    feedback = request.GET.get("feedback", "all")
    basis = selectors.Basis(
        first_pass_only=first_pass_only,
        feedback=feedback if feedback in selectors.FEEDBACKS else "all",
    )
    report = selectors.performance(user=request.user, basis=basis)
    return render(
        request,
        "analytics/performance.html",
        {
            "report": report,
            "axes": [
                ("Exams", report["exams"]),
                ("Disciplines", report["disciplines"]),
                ("Systems", report["systems"]),
            ],
        },
    )


class _Echo:
    """A file-like that hands back what csv.writer writes, for a streamed response."""

    def write(self, value: str) -> str:
        return value


@login_required
def answers_csv(request):
    writer = csv.writer(_Echo())
    rows = chain([selectors.EXPORT_COLUMNS], selectors.answers_export(user=request.user))
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="vignette-answers.csv"'
    return response
