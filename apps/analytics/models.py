from django.conf import settings
from django.db import models


class Report(models.Model):
    """When a student's report was last computed from their blocks."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report"
    )
    computed_at = models.DateTimeField()
    items = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Report of {self.user_id}"


class ReportCell(models.Model):
    """A student's counts on one axis value (all, an exam, a discipline or a system), for one
    basis: the first pass or a later one, exam or tutor feedback. The report adds cells up
    as each number's basis says (tutor scores run higher, so they are kept apart)."""

    class Axis(models.TextChoices):
        OVERALL = "overall", "Overall"
        EXAM = "exam", "Exam"
        DISCIPLINE = "discipline", "Discipline"
        SYSTEM = "system", "System"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    axis = models.CharField(max_length=12, choices=Axis.choices)
    code = models.CharField(max_length=60, blank=True)
    first_pass = models.BooleanField()
    feedback = models.CharField(max_length=8)
    seen = models.PositiveIntegerField()
    correct = models.PositiveIntegerField()
    omitted = models.PositiveIntegerField()
    first_attempts = models.PositiveIntegerField()
    first_correct = models.PositiveIntegerField()
    seconds = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "axis", "code", "first_pass", "feedback"], name="reportcell_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.axis} {self.code} of {self.user_id}"

    @property
    def incorrect(self) -> int:
        return self.seen - self.correct - self.omitted


class PeerBenchmark(models.Model):
    """How peers did on one axis value, from first attempts: the percent correct of every
    student with enough first attempts there (sorted, for percentile ranks) and the median
    time per item. Rebuilt by a periodic task from all reports."""

    axis = models.CharField(max_length=12, choices=ReportCell.Axis.choices)
    code = models.CharField(max_length=60, blank=True)
    percents = models.JSONField(default=list)
    median_seconds = models.FloatField(null=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["axis", "code"], name="peerbenchmark_unique"),
        ]

    def __str__(self) -> str:
        return f"Peers on {self.axis} {self.code}"
