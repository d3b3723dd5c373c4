from rest_framework import serializers

from apps.questions import item_checks
from apps.questions.content import MAX_OPTIONS, MIN_OPTIONS
from apps.questions.formats.base import ItemDraft, OptionDraft
from apps.questions.models import ErrorReport, ImportJob, Question, QuestionVersion


class OptionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, trim_whitespace=True)
    explanation = serializers.CharField(max_length=20000, allow_blank=True, default="")
    correct = serializers.BooleanField(default=False)


class ItemContentSerializer(serializers.Serializer):
    """What an item says, without its place in the bank: what the checker reads."""

    markup = serializers.ChoiceField(choices=QuestionVersion.Markup.choices, default="markdown")
    stem = serializers.CharField(max_length=20000, allow_blank=True)
    lead_in = serializers.CharField(max_length=2000)
    # A ListField rather than many=True, so that the schema states the limits (minItems and
    # maxItems), which a list serializer's min_length and max_length do not give it.
    options = serializers.ListField(
        child=OptionInputSerializer(), min_length=MIN_OPTIONS, max_length=MAX_OPTIONS
    )
    explanation = serializers.CharField(max_length=20000, allow_blank=True, default="")
    objective = serializers.CharField(max_length=5000, allow_blank=True, default="")
    references = serializers.ListField(
        child=serializers.CharField(max_length=500), default=list, max_length=20
    )
    waivers = serializers.DictField(
        child=serializers.CharField(max_length=500),
        default=dict,
        help_text="Item-writing checks this item breaks on purpose: {check: the reason}.",
    )

    def to_draft(self) -> ItemDraft:
        data = self.validated_data
        return ItemDraft(
            position=1,
            markup=data["markup"],
            exam=data.get("exam", ""),
            discipline=data.get("discipline", ""),
            system=data.get("system", ""),
            tags=data.get("tags", []),
            stem=data["stem"],
            lead_in=data["lead_in"],
            options=[OptionDraft(**option) for option in data["options"]],
            explanation=data["explanation"],
            objective=data["objective"],
            references=data["references"],
            waivers=data["waivers"],
        )


class QuestionInputSerializer(ItemContentSerializer):
    exam = serializers.SlugField()
    discipline = serializers.SlugField()
    system = serializers.SlugField()
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60), default=list, max_length=30
    )


class FindingSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(choices=list(item_checks.RULES))
    message = serializers.CharField()
    severity = serializers.ChoiceField(choices=[item_checks.ERROR, item_checks.WARNING])
    waived = serializers.BooleanField()
    waiver = serializers.CharField(help_text="The item's reason for breaking the rule, if waived.")


class ItemCheckOutputSerializer(serializers.Serializer):
    findings = FindingSerializer(many=True)


class OptionOutputSerializer(serializers.Serializer):
    letter = serializers.CharField()
    text = serializers.CharField(source="text_source")
    text_html = serializers.CharField()
    explanation = serializers.CharField(source="explanation_source")
    explanation_html = serializers.CharField()
    correct = serializers.BooleanField(source="is_correct")


class VersionOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    state = serializers.ChoiceField(choices=QuestionVersion.State.choices)
    markup = serializers.CharField()
    stem = serializers.CharField(source="stem_source")
    stem_html = serializers.CharField()
    lead_in = serializers.CharField(source="lead_in_source")
    lead_in_html = serializers.CharField()
    options = OptionOutputSerializer(many=True)
    explanation = serializers.CharField(source="explanation_source")
    explanation_html = serializers.CharField()
    objective = serializers.CharField(source="objective_source")
    objective_html = serializers.CharField()
    references = serializers.ListField(child=serializers.CharField())
    waivers = serializers.DictField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)


class QuestionSummarySerializer(serializers.Serializer):
    public_id = serializers.CharField()
    uid = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Question.Status.choices)
    exam = serializers.CharField(source="exam.code")
    discipline = serializers.CharField(source="discipline.code")
    system = serializers.CharField(source="system.code")
    tags = serializers.SerializerMethodField()
    author = serializers.CharField(source="author.username", allow_null=True, default=None)
    version = serializers.IntegerField(source="latest_version.number")
    version_state = serializers.CharField(source="latest_version.state")
    lead_in = serializers.CharField(source="latest_version.lead_in_source")
    updated_at = serializers.DateTimeField()

    def get_tags(self, question) -> list[str]:
        return [tag.name for tag in question.tags.all()]


class QuestionDetailSerializer(QuestionSummarySerializer):
    published_version = serializers.IntegerField(
        source="published_version.number", allow_null=True, default=None
    )
    latest = VersionOutputSerializer(source="latest_version")


class TransitionInputSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000, allow_blank=True, default="")


class CommentOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    body = serializers.CharField()
    author = serializers.CharField(source="author.username", allow_null=True, default=None)
    created_at = serializers.DateTimeField()


class VersionSummarySerializer(serializers.Serializer):
    number = serializers.IntegerField()
    state = serializers.CharField()
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    comments = CommentOutputSerializer(many=True)


class DiffOutputSerializer(serializers.Serializer):
    old = serializers.IntegerField()
    new = serializers.IntegerField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class PreviewInputSerializer(serializers.Serializer):
    markup = serializers.ChoiceField(choices=QuestionVersion.Markup.choices, default="markdown")
    text = serializers.CharField(max_length=20000, allow_blank=True)


class PreviewOutputSerializer(serializers.Serializer):
    html = serializers.CharField()


class ImageInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    alt = serializers.CharField(max_length=500)


class ImageOutputSerializer(serializers.Serializer):
    public_id = serializers.UUIDField()
    url = serializers.CharField(source="file.url")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    alt = serializers.CharField()
    markdown = serializers.SerializerMethodField()

    def get_markdown(self, image) -> str:
        return f"![{image.alt}]({image.file.url})"


class ReportInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000)


class ReportOutputSerializer(serializers.Serializer):
    public_id = serializers.UUIDField()
    question = serializers.CharField(source="version.question.public_id")
    version = serializers.IntegerField(source="version.number")
    note = serializers.CharField()
    status = serializers.ChoiceField(choices=ErrorReport.Status.choices)
    resolution = serializers.CharField()
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class ReportResolveInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[ErrorReport.Status.FIXED, ErrorReport.Status.DISMISSED]
    )
    resolution = serializers.CharField(max_length=4000)


class TaxonomyEntrySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class TaxonomyOutputSerializer(serializers.Serializer):
    exams = TaxonomyEntrySerializer(many=True)
    disciplines = TaxonomyEntrySerializer(many=True)
    systems = TaxonomyEntrySerializer(many=True)


class ImportCreateInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(
        choices=["", "native", "qti", "moodle", "gift", "aiken", "csv"],
        default="",
        help_text="Empty: tell the format from the file.",
    )
    source = serializers.CharField(
        max_length=100,
        allow_blank=True,
        default="",
        help_text="A name for where the items come from; re-imports from it update them.",
    )

    exam = serializers.SlugField(
        required=False,
        allow_blank=True,
        default="",
        help_text="For items whose file does not name an exam.",
    )
    discipline = serializers.SlugField(required=False, allow_blank=True, default="")
    system = serializers.SlugField(required=False, allow_blank=True, default="")


class ImportConfirmInputSerializer(serializers.Serializer):
    only_valid = serializers.BooleanField(default=False)
    publish = serializers.BooleanField(default=False)


class ImportReportItemSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    identifier = serializers.CharField()
    action = serializers.ChoiceField(choices=["create", "update", "unchanged", "error", "skipped"])
    message = serializers.CharField()
    warnings = serializers.ListField(
        child=serializers.CharField(),
        default=list,
        help_text="The item-writing checker's findings that the item does not waive.",
    )


class ImportJobOutputSerializer(serializers.Serializer):
    public_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=ImportJob.Status.choices)
    format = serializers.CharField()
    filename = serializers.CharField()
    source = serializers.CharField()
    total = serializers.IntegerField()
    processed = serializers.IntegerField()
    message = serializers.CharField()
    counts = serializers.DictField(
        child=serializers.IntegerField(), source="report.counts", default=dict
    )
    result = serializers.DictField(
        child=serializers.IntegerField(), source="report.result", default=dict
    )
    items = ImportReportItemSerializer(many=True, source="report.items", default=list)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class LabRangeSerializer(serializers.Serializer):
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    unit = serializers.CharField()


class LabRowSerializer(serializers.Serializer):
    analyte = serializers.CharField()
    specimen = serializers.CharField()
    conventional = LabRangeSerializer()
    si = LabRangeSerializer(allow_null=True)
    factor = serializers.FloatField(allow_null=True, help_text="SI = conventional × factor.")
    note = serializers.CharField(allow_blank=True)


class LabSectionSerializer(serializers.Serializer):
    name = serializers.CharField()
    rows = LabRowSerializer(many=True)


class LabValuesSerializer(serializers.Serializer):
    version = serializers.CharField()
    source_note = serializers.CharField()
    sections = LabSectionSerializer(many=True)
