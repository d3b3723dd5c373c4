from django.urls import path

from apps.questions import api

urlpatterns = [
    path("taxonomy/", api.TaxonomyApi.as_view(), name="taxonomy"),
    path("lab-values/", api.LabValuesApi.as_view(), name="lab_values"),
    path("questions/", api.QuestionListCreateApi.as_view(), name="questions"),
    path("questions/<vq:public_id>/", api.QuestionDetailApi.as_view(), name="question"),
    path(
        "questions/<vq:public_id>/submit/", api.QuestionSubmitApi.as_view(), name="question_submit"
    ),
    path(
        "questions/<vq:public_id>/return/", api.QuestionReturnApi.as_view(), name="question_return"
    ),
    path(
        "questions/<vq:public_id>/publish/",
        api.QuestionPublishApi.as_view(),
        name="question_publish",
    ),
    path(
        "questions/<vq:public_id>/retire/", api.QuestionRetireApi.as_view(), name="question_retire"
    ),
    path(
        "questions/<vq:public_id>/comments/",
        api.QuestionCommentApi.as_view(),
        name="question_comment",
    ),
    path(
        "questions/<vq:public_id>/versions/",
        api.QuestionVersionsApi.as_view(),
        name="question_versions",
    ),
    path("questions/<vq:public_id>/diff/", api.QuestionDiffApi.as_view(), name="question_diff"),
    path(
        "questions/<vq:public_id>/reports/", api.ReportCreateApi.as_view(), name="question_report"
    ),
    path("reports/", api.ReportListApi.as_view(), name="reports"),
    path(
        "reports/<uuid:public_id>/resolve/", api.ReportResolveApi.as_view(), name="report_resolve"
    ),
    path("preview/", api.PreviewApi.as_view(), name="preview"),
    path("questions/check/", api.ItemCheckApi.as_view(), name="questions_check"),
    path("images/", api.ImageUploadApi.as_view(), name="images"),
    path("imports/", api.ImportCreateApi.as_view(), name="imports"),
    path("imports/<uuid:public_id>/", api.ImportDetailApi.as_view(), name="import"),
    path(
        "imports/<uuid:public_id>/confirm/", api.ImportConfirmApi.as_view(), name="import_confirm"
    ),
    path("exports/", api.ExportApi.as_view(), name="exports"),
]
