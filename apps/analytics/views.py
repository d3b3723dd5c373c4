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
