from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import IsAuthorOrEditor, IsEditor
from apps.core import idempotency
from apps.core.errors import InvalidInput, NotFound
from apps.questions import exports, imports, sanitize, selectors, services
from apps.questions.diff import version_diff
from apps.questions.images import MAX_BYTES
from apps.questions.lab_values import lab_values
from apps.questions.models import ErrorReport
from apps.questions.serializers import (
    DiffOutputSerializer,
    ImageInputSerializer,
    ImageOutputSerializer,
    ImportConfirmInputSerializer,
    ImportCreateInputSerializer,
    ImportJobOutputSerializer,
    ItemCheckOutputSerializer,
    ItemContentSerializer,
    LabValuesSerializer,
    PreviewInputSerializer,
    PreviewOutputSerializer,
    QuestionDetailSerializer,
    QuestionInputSerializer,
    QuestionSummarySerializer,
    ReportInputSerializer,
    ReportOutputSerializer,
    ReportResolveInputSerializer,
    TaxonomyOutputSerializer,
    TransitionInputSerializer,
    VersionSummarySerializer,
)

TAGS = ["questions"]
IMPORT_TAGS = ["import and export"]
BANK_FILTERS = [
    OpenApiParameter(name, str, description=description)
    for name, description in [
        ("exam", "Exam code, e.g. step1."),
        ("discipline", "Discipline code, e.g. pathology."),
        ("system", "System code, e.g. cardiovascular."),
        ("status", "draft, in_review, published or retired."),
        ("author", "The author's user name."),
        ("tag", "A tag."),
        ("q", "Words to search for, or a question id such as VQ-000123."),
    ]
]

# An export is sent as its format's own file type.
EXPORT_RESPONSES = {
    (200, "application/json"): OpenApiTypes.OBJECT,  # native
    (200, "application/zip"): OpenApiTypes.BINARY,  # qti
    (200, "application/xml"): OpenApiTypes.BINARY,  # moodle
    (200, "text/csv"): OpenApiTypes.BINARY,  # csv
}


def _detail_response(question, *, status_code=status.HTTP_200_OK) -> Response:
    question = selectors.question_detail().get(pk=question.pk)
    return Response(QuestionDetailSerializer(question).data, status=status_code)


class TaxonomyApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="taxonomy_retrieve", responses={200: TaxonomyOutputSerializer}, tags=TAGS
    )
    def get(self, request):
        return Response(TaxonomyOutputSerializer(selectors.taxonomy()).data)


class LabValuesApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="lab_values_retrieve",
        summary="The normal laboratory values table the exam page shows.",
        responses={200: LabValuesSerializer},
        tags=TAGS,
    )
    def get(self, request):
        # The table is the same for everyone and changes with a release: let browsers keep it.
        response = Response(lab_values())
        response["Cache-Control"] = "private, max-age=3600"
        return response


class QuestionListCreateApi(GenericAPIView):
    permission_classes = [IsAuthenticated, IsAuthorOrEditor]
    serializer_class = QuestionSummarySerializer

    @extend_schema(
        operation_id="questions_list",
        parameters=BANK_FILTERS,
        responses={200: QuestionSummarySerializer(many=True)},
        tags=TAGS,
    )
    def get(self, request):
        filters = selectors.bank_filters_from(request.query_params)
        page = self.paginate_queryset(selectors.bank_list(user=request.user, filters=filters))
        return self.get_paginated_response(QuestionSummarySerializer(page, many=True).data)

    @extend_schema(
        operation_id="questions_create",
        request=QuestionInputSerializer,
        responses={201: QuestionDetailSerializer},
        tags=TAGS,
    )
    def post(self, request):
        data = QuestionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.question_create(user=request.user, draft=data.to_draft())
        return _detail_response(question, status_code=status.HTTP_201_CREATED)


class QuestionDetailApi(APIView):
    permission_classes = [IsAuthenticated, IsAuthorOrEditor]

    @extend_schema(
        operation_id="questions_retrieve", responses={200: QuestionDetailSerializer}, tags=TAGS
    )
    def get(self, request, public_id):
        question = selectors.question_for_user(user=request.user, public_id=public_id)
        return Response(QuestionDetailSerializer(question).data)

    @extend_schema(
        operation_id="questions_update",
        request=QuestionInputSerializer,
        responses={200: QuestionDetailSerializer},
        tags=TAGS,
    )
    def put(self, request, public_id):
        question = selectors.question_for_user(user=request.user, public_id=public_id)
        data = QuestionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.question_update(question=question, user=request.user, draft=data.to_draft())
        return _detail_response(question)


def _transition_api(name: str, action, summary: str, permission) -> type[APIView]:
    """One small view per workflow step, all with the same shape."""

    @extend_schema(
        operation_id=f"questions_{name}",
        summary=summary,
        request=TransitionInputSerializer,
        responses={200: QuestionDetailSerializer},
        tags=TAGS,
    )
    def post(self, request, public_id):
        question = selectors.question_for_user(user=request.user, public_id=public_id)
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action(question=question, user=request.user, comment=data.validated_data["comment"])
        return _detail_response(question)

    return type(
        f"Question{name.title()}Api",
        (APIView,),
        {"permission_classes": [IsAuthenticated, permission], "post": post},
    )


QuestionSubmitApi = _transition_api(
    "submit",
    lambda question, user, comment: services.question_submit(question=question, user=user),
    "Send a draft to the editors for review.",
    IsAuthorOrEditor,
)
QuestionReturnApi = _transition_api(
    "return",
    lambda question, user, comment: services.question_return(
        question=question, user=user, comment=comment
    ),
    "Return a question in review to its author, with the changes wanted.",
    IsEditor,
)
QuestionPublishApi = _transition_api(
    "publish",
    lambda question, user, comment: services.question_publish(question=question, user=user),
    "Publish the newest version; students get it in new blocks.",
    IsEditor,
)
QuestionRetireApi = _transition_api(
    "retire",
    lambda question, user, comment: services.question_retire(
        question=question, user=user, reason=comment
    ),
    "Retire a question: no new block includes it.",
    IsEditor,
)
QuestionCommentApi = _transition_api(
    "comment",
    lambda question, user, comment: services.question_comment(
        question=question, user=user, body=comment
    ),
    "Comment on the newest version.",
    IsAuthorOrEditor,
)


class QuestionVersionsApi(APIView):
    permission_classes = [IsAuthenticated, IsAuthorOrEditor]

    @extend_schema(
        operation_id="questions_versions_list",
        responses={200: VersionSummarySerializer(many=True)},
        tags=TAGS,
    )
    def get(self, request, public_id):
        question = selectors.question_for_user(user=request.user, public_id=public_id)
        versions = selectors.versions_of(question)
        return Response(VersionSummarySerializer(versions, many=True).data)


class QuestionDiffApi(APIView):
    permission_classes = [IsAuthenticated, IsAuthorOrEditor]

    @extend_schema(
        operation_id="questions_diff",
        parameters=[
            OpenApiParameter("old", int, required=True, description="The older version number."),
            OpenApiParameter("new", int, required=True, description="The newer version number."),
        ],
        responses={200: DiffOutputSerializer},
        tags=TAGS,
    )
    def get(self, request, public_id):
        question = selectors.question_for_user(user=request.user, public_id=public_id)
        raw = {name: request.query_params.get(name, "") for name in ("old", "new")}
        bad = {
            name: ["Give a version number."] for name, value in raw.items() if not value.isdigit()
        }
        if bad:
            raise InvalidInput(fields=bad)
        numbers = {name: int(value) for name, value in raw.items()}
        versions = {v.number: v for v in selectors.versions_of(question)}
        missing = [name for name, n in numbers.items() if n not in versions]
        if missing:
            raise NotFound(f"This question has no version {numbers[missing[0]]}.")
        old, new = versions[numbers["old"]], versions[numbers["new"]]
        return Response(
            DiffOutputSerializer(
                {"old": old.number, "new": new.number, "fields": version_diff(old, new)}
            ).data
        )


class PreviewApi(APIView):
    permission_classes = [IsAuthenticated, IsAuthorOrEditor]

    @extend_schema(
        operation_id="preview_create",
        summary="Render Markdown or HTML as the bank will store it (sanitised).",
        request=PreviewInputSerializer,
        responses={200: PreviewOutputSerializer},
        tags=TAGS,
    )
    def post(self, request):
        data = PreviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        html = sanitize.render(data.validated_data["text"], markup=data.validated_data["markup"])
        return Response({"html": html})


class ItemCheckApi(APIView):
    permission_classes = [IsAuthenticated, IsAuthorOrEditor]

    @extend_schema(
        operation_id="questions_check",
        summary="What the item-writing checker finds in an item, before it is saved.",
        description="The same rules as `manage.py check_bank`, the question page and the import "
        "report. Findings are advice: an item with findings can still be saved.",
        request=ItemContentSerializer,
        responses={200: ItemCheckOutputSerializer},
        tags=TAGS,
    )
    def post(self, request):
        data = ItemContentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        findings = selectors.draft_findings(data.to_draft())
        return Response(ItemCheckOutputSerializer({"findings": findings}).data)


class ImageUploadApi(APIView):
    permission_classes = [IsAuthenticated, IsAuthorOrEditor]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="images_create",
        request={"multipart/form-data": ImageInputSerializer},
        responses={201: ImageOutputSerializer},
        tags=TAGS,
    )
    def post(self, request):
        data = ImageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > MAX_BYTES:
            raise InvalidInput(fields={"file": ["The image is larger than 5 MB."]})
        image = services.image_store(
            user=request.user, data=upload.read(), alt=data.validated_data["alt"]
        )
        return Response(ImageOutputSerializer(image).data, status=status.HTTP_201_CREATED)


class ReportCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="questions_report",
        summary="Report an error in a published question.",
        request=ReportInputSerializer,
        responses={201: ReportOutputSerializer},
        tags=TAGS,
    )
    def post(self, request, public_id):
        question = selectors.published_question(public_id=public_id)
        data = ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.error_report_create(
            user=request.user, question=question, note=data.validated_data["note"]
        )
        return Response(ReportOutputSerializer(report).data, status=status.HTTP_201_CREATED)


class ReportListApi(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ReportOutputSerializer

    @extend_schema(
        operation_id="reports_list",
        summary="Error reports: an editor's whole queue, or one's own reports.",
        parameters=[OpenApiParameter("status", str, description="open, fixed or dismissed.")],
        responses={200: ReportOutputSerializer(many=True)},
        tags=TAGS,
    )
    def get(self, request):
        reports = selectors.reports_for(request.user, status=request.query_params.get("status", ""))
        page = self.paginate_queryset(reports)
        return self.get_paginated_response(ReportOutputSerializer(page, many=True).data)


class ReportResolveApi(APIView):
    permission_classes = [IsAuthenticated, IsEditor]

    @extend_schema(
        operation_id="reports_resolve",
        request=ReportResolveInputSerializer,
        responses={200: ReportOutputSerializer},
        tags=TAGS,
    )
    def post(self, request, public_id):
        report = ErrorReport.objects.filter(public_id=public_id).first()
        if report is None:
            raise NotFound("No such report.")
        data = ReportResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.error_report_resolve(
            report=report, user=request.user, **data.validated_data
        )
        return Response(ReportOutputSerializer(report).data)


class ImportCreateApi(APIView):
    permission_classes = [IsAuthenticated, IsAuthorOrEditor]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="imports_create",
        summary="Upload a file; a dry-run report follows (poll the import).",
        request={"multipart/form-data": ImportCreateInputSerializer},
        responses={201: ImportJobOutputSerializer},
        parameters=[idempotency.PARAMETER],
        tags=IMPORT_TAGS,
    )
    @idempotency.idempotent
    def post(self, request):
        data = ImportCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > imports.MAX_IMPORT_BYTES:
            raise InvalidInput(fields={"file": ["The file is larger than 50 MB."]})
        job = imports.import_job_create(
            user=request.user,
            filename=upload.name,
            data=upload.read(),
            format=data.validated_data["format"],
            source=data.validated_data["source"],
            defaults={k: data.validated_data[k] for k in imports.PLACEMENT_FIELDS},
        )
        job.refresh_from_db()
        return Response(ImportJobOutputSerializer(job).data, status=status.HTTP_201_CREATED)


class ImportDetailApi(APIView):
    permission_classes = [IsAuthenticated, IsAuthorOrEditor]

    @extend_schema(
        operation_id="imports_retrieve",
        responses={200: ImportJobOutputSerializer},
        tags=IMPORT_TAGS,
    )
    def get(self, request, public_id):
        job = imports.import_job_for_user(user=request.user, public_id=public_id)
        return Response(ImportJobOutputSerializer(job).data)


class ImportConfirmApi(APIView):
    permission_classes = [IsAuthenticated, IsAuthorOrEditor]

    @extend_schema(
        operation_id="imports_confirm",
        summary="Import what the dry run reported (optionally only the valid items).",
        request=ImportConfirmInputSerializer,
        responses={200: ImportJobOutputSerializer},
        parameters=[idempotency.PARAMETER],
        tags=IMPORT_TAGS,
    )
    @idempotency.idempotent
    def post(self, request, public_id):
        job = imports.import_job_for_user(user=request.user, public_id=public_id)
        data = ImportConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = imports.import_job_confirm(job=job, user=request.user, **data.validated_data)
        job.refresh_from_db()
        return Response(ImportJobOutputSerializer(job).data)


class ExportApi(APIView):
    permission_classes = [IsAuthenticated, IsEditor]

    @extend_schema(
        operation_id="exports_retrieve",
        summary="Download the questions that match the filters in an interchange format.",
        parameters=[
            OpenApiParameter("file_format", str, required=True, enum=list(exports.EXPORT_FORMATS)),
            *BANK_FILTERS,
        ],
        responses=EXPORT_RESPONSES,
        tags=IMPORT_TAGS,
    )
    def get(self, request):
        filters = selectors.bank_filters_from(request.query_params)
        rendered = exports.export_questions(
            user=request.user,
            format=request.query_params.get("file_format", ""),
            filters=filters,
        )
        return exports.download(rendered)
