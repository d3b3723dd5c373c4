from django.urls import path

from apps.questions import views

app_name = "questions"

urlpatterns = [
    path("", views.bank, name="bank"),
    path("new/", views.question_new, name="new"),
    path("review/", views.review_queue, name="review_queue"),
    path("import/", views.import_new, name="import_new"),
    path("import/<uuid:public_id>/", views.import_detail, name="import"),
    path("export/", views.export, name="export"),
    path("statistics.csv", views.statistics_csv, name="statistics_csv"),
    path("reports/", views.reports, name="reports"),
    path("reports/<uuid:public_id>/resolve/", views.report_resolve, name="report_resolve"),
    path("<vq:public_id>/", views.question_detail, name="detail"),
    path("<vq:public_id>/edit/", views.question_edit, name="edit"),
    path("<vq:public_id>/history/", views.question_history, name="history"),
    path("<vq:public_id>/report/", views.report_new, name="report"),
    *(
        path(f"<vq:public_id>/{action}/", views.question_action, {"action": action}, name=action)
        for action in views.ACTIONS
    ),
]
