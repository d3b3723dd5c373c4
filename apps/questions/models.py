from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

PUBLIC_ID_PREFIX = "VQ-"


class TaxonomyEntry(models.Model):
    """A place in the content outline: an exam, a discipline or an organ system."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Exam(TaxonomyEntry):
    pass


class Discipline(TaxonomyEntry):
    class Kind(models.TextChoices):
        BASIC = "basic", "Basic science"
        CLINICAL = "clinical", "Clinical"

    kind = models.CharField(max_length=10, choices=Kind.choices)


class System(TaxonomyEntry):
    pass


class Tag(models.Model):
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_unique_ci")]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """A question's lasting identity; its content lives in immutable versions."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    uid = models.UUIDField(default=uuid4, unique=True, editable=False)
    # The state of the newest version (or retired); students see published_version only.
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="questions")
    discipline = models.ForeignKey(Discipline, on_delete=models.PROTECT, related_name="questions")
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="questions")
    tags = models.ManyToManyField(Tag, blank=True, related_name="questions")
    # Pairs that must never share a block, because one cues the other.
    enemies = models.ManyToManyField("self", blank=True, symmetrical=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="questions"
    )
    latest_version = models.ForeignKey(
        "QuestionVersion", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_version = models.ForeignKey(
        "QuestionVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where an imported question came from, so re-importing finds it again.
    source = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    # Plain text of the newest version, for search.
    search_document = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="question_source_external_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "in_review", "published", "retired"]),
                name="question_status_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["exam", "discipline", "system"],
                condition=Q(status="published"),
                name="question_published_cell_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def public_id(self) -> str:
        return public_id_for(self.pk)


def public_id_for(pk: int) -> str:
    return f"{PUBLIC_ID_PREFIX}{pk:06d}"


class QuestionVersion(models.Model):
    """The content of a question as it was shown. Once published, it never changes."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"

    class Markup(models.TextChoices):
        MARKDOWN = "markdown", "Markdown"
        HTML = "html", "HTML"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    markup = models.CharField(max_length=10, choices=Markup.choices, default=Markup.MARKDOWN)
    # What the author wrote (kept for editing) and the sanitised HTML every renderer uses.
    stem_source = models.TextField()
    stem_html = models.TextField()
    lead_in_source = models.TextField()
    lead_in_html = models.TextField()
    explanation_source = models.TextField(blank=True)
    explanation_html = models.TextField(blank=True)
    objective_source = models.TextField(blank=True)
    objective_html = models.TextField(blank=True)
    references = models.JSONField(default=list, blank=True)
    # Item-writing checker rules this version breaks on purpose: {rule: the written reason}.
    waivers = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["question_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="version_number_unique"),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "in_review", "published"]),
                name="version_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question.public_id} v{self.number}"

    @property
    def frozen(self) -> bool:
        """Published once: responses may point here, so the content must never change."""
        return self.published_at is not None


class Option(models.Model):
    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="options")
    letter = models.CharField(max_length=1)
    text_source = models.TextField()
    text_html = models.TextField()
    explanation_source = models.TextField(blank=True)
    explanation_html = models.TextField(blank=True)
    is_correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["version_id", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["version", "letter"], name="option_letter_unique"),
            models.UniqueConstraint(
                fields=["version"], condition=Q(is_correct=True), name="option_one_correct"
            ),
            models.CheckConstraint(
                condition=Q(letter__in=list("ABCDEFGHIJ")), name="option_letter_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.letter}. {self.text_source[:40]}"


def image_upload_path(instance, filename: str) -> str:
    # Server-made names only: the uploader's file name never reaches the storage.
    return f"questions/{uuid4().hex}.{instance.extension}"


class QuestionImage(models.Model):
    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    file = models.ImageField(upload_to=image_upload_path)
    extension = models.CharField(max_length=5)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    alt = models.CharField(max_length=500, blank=True)
    # Of the upload and of the stored (re-encoded) file: either finds this image again, so an
    # exported image imported back is the same image.
    sha256 = models.CharField(max_length=64, db_index=True)
    stored_sha256 = models.CharField(max_length=64, db_index=True, default="")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.file.name


class ReviewComment(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", "Comment"
        SUBMITTED = "submitted", "Submitted for review"
        RETURNED = "returned", "Returned to the author"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.COMMENT)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.version}"


class ErrorReport(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FIXED = "fixed", "Fixed"
        DISMISSED = "dismissed", "Dismissed"

    class Source(models.TextChoices):
        STUDENT = "student", "A student"
        STATISTICS = "statistics", "The item statistics"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="error_reports"
    )
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.STUDENT)
    note = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(status="open"), name="report_open_idx")
        ]

    def __str__(self) -> str:
        return f"Report on {self.version}"


class VersionStatistics(models.Model):
    """Peer statistics per version; analytics writes them, the bank and review read them."""

    version = models.OneToOneField(
        QuestionVersion, on_delete=models.CASCADE, related_name="statistics"
    )
    responses = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)
    # {"A": 12, "B": 3, …} from first attempts in the first pass.
    option_counts = models.JSONField(default=dict)
    median_seconds = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True)
    point_biserial = models.FloatField(null=True, blank=True)
    # {"A": 0.31, "B": -0.12, …}: each option's point-biserial (distractor analysis).
    option_point_biserials = models.JSONField(default=dict)
    flags = models.JSONField(default=list)
    computed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Statistics of {self.version}"

    # What each flag analytics may raise means, for editors.
    FLAG_LABELS = {
        "too_easy": "Too easy (p > 0.9)",
        "too_hard": "Too hard (p < 0.2)",
        "low_discrimination": "Low discrimination (rpb < 0.1)",
        "non_functioning_distractor": "A distractor under 5%",
        "likely_wrong_key": "Likely wrong key",
    }

    @property
    def flag_labels(self) -> list[str]:
        return [self.FLAG_LABELS.get(flag, flag) for flag in self.flags]


class ImportJob(models.Model):
    """An upload, its dry-run report and its import; the file stays here for any worker."""

    class Status(models.TextChoices):
        ANALYSING = "analysing", "Checking the file"
        ANALYSED = "analysed", "Checked; waiting for confirmation"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    format = models.CharField(max_length=20)
    filename = models.CharField(max_length=255)
    source = models.CharField(max_length=100)
    # Exam, discipline and system for items whose format does not carry them.
    defaults = models.JSONField(default=dict)
    data = models.BinaryField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ANALYSING)
    only_valid = models.BooleanField(default=False)
    publish = models.BooleanField(default=False)
    report = models.JSONField(default=dict)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import of {self.filename}"
