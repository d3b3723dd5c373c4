from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.questions.models import Question, QuestionVersion

SECONDS_PER_ITEM = 90
MAX_ITEMS = 40


class Block(models.Model):
    """A student's block of items, timed or not, with exam or tutor feedback."""

    class Clock(models.TextChoices):
        TIMED = "timed", "Timed"
        UNTIMED = "untimed", "Untimed"

    class Feedback(models.TextChoices):
        EXAM = "exam", "Exam"
        TUTOR = "tutor", "Tutor"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SUSPENDED = "suspended", "Suspended"
        ENDED = "ended", "Ended"

    class EndReason(models.TextChoices):
        FINISHED = "finished", "Ended by the student"
        EXPIRED = "expired", "Time ran out"

    public_id = models.UUIDField(default=uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks"
    )
    pass_number = models.PositiveSmallIntegerField(default=1)
    clock = models.CharField(max_length=8, choices=Clock.choices)
    feedback = models.CharField(max_length=8, choices=Feedback.choices)
    # On test day the clock runs while a block is suspended; in practice it may stop.
    clock_runs_when_suspended = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    item_count = models.PositiveSmallIntegerField()
    time_limit_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Timed and running: when time is up. Timed and paused: remaining_seconds instead.
    deadline = models.DateTimeField(null=True, blank=True)
    remaining_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Untimed: seconds used before running_since (set while open).
    elapsed_seconds = models.PositiveIntegerField(default=0)
    running_since = models.DateTimeField(null=True, blank=True)
    last_contact_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=10, choices=EndReason.choices, blank=True)
    # What the student asked for: pools, exams, disciplines, systems, or a list of questions.
    spec = models.JSONField(default=dict)
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    incorrect_count = models.PositiveSmallIntegerField(null=True, blank=True)
    omitted_count = models.PositiveSmallIntegerField(null=True, blank=True)
    time_used_seconds = models.PositiveIntegerField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(item_count__gte=1, item_count__lte=MAX_ITEMS), name="block_item_count"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "suspended", "ended"]), name="block_status_valid"
            ),
        ]
        indexes = [
            # What the minute's sweep looks for: time run out (running, or suspended on
            # test-day terms), and open blocks left without contact.
            models.Index(
                fields=["deadline"],
                condition=Q(status__in=["open", "suspended"]),
                name="block_running_deadline_idx",
            ),
            models.Index(
                fields=["last_contact_at"],
                condition=Q(status="open"),
                name="block_open_contact_idx",
            ),
            models.Index(fields=["user", "-created_at"], name="block_user_recent_idx"),
            # A student's deleted blocks: earlier exposures, looked up on every new block.
            models.Index(
                fields=["user"], condition=Q(deleted_at__isnull=False), name="block_deleted_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Block {self.public_id}"


class BlockItem(models.Model):
    """One pinned question version in a block, with the student's current state of it.

    Each field a student changes has a key: the time the change was made (client time
    corrected by the server's clock offset) and its change id, as a sortable string. The
    change with the greater key wins, whatever order the changes arrive in.
    """

    # Foreign keys without an index of their own where a composite index leads with them:
    # every index is one more write on the hot paths (creating a block, saving a change).
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="items", db_index=False)
    position = models.PositiveSmallIntegerField()
    # Copied from the block; None once the student deleted the block (anonymised: the first
    # exposure stays in peer statistics, naming nobody).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    pass_number = models.PositiveSmallIntegerField()
    # No index by question or by version alone either: nothing reads items that way (peer
    # statistics read first attempts through blockitem_first_idx), and each would be one more
    # random page written for every item of every new block. Deleting a question, an admin's
    # rare act, scans for its items instead.
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="block_items", db_index=False
    )
    version = models.ForeignKey(
        QuestionVersion, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # The pinned version's correct letter: kept here for scoring, never sent before review.
    key_letter = models.CharField(max_length=1)
    option_count = models.PositiveSmallIntegerField()
    # The student's first exposure to this question (for statistics); later ones are not.
    first_attempt = models.BooleanField(default=False)
    # The student's state of the item. Each has a database default as well, so that a block's
    # items are inserted naming only the columns above (see services.block_create).
    answer = models.CharField(max_length=1, blank=True, default="", db_default="")
    answer_key = models.CharField(max_length=60, blank=True, default="", db_default="")
    submitted_at = models.DateTimeField(null=True, blank=True)
    marked = models.BooleanField(default=False, db_default=False)
    marked_key = models.CharField(max_length=60, blank=True, default="", db_default="")
    struck = models.JSONField(default=list, db_default=[])
    struck_key = models.CharField(max_length=60, blank=True, default="", db_default="")
    highlights = models.JSONField(default=list, db_default=[])
    highlights_key = models.CharField(max_length=60, blank=True, default="", db_default="")
    note = models.TextField(blank=True, default="", db_default="")
    note_key = models.CharField(max_length=60, blank=True, default="", db_default="")
    time_spent_seconds = models.PositiveIntegerField(default=0, db_default=0)
    time_spent_key = models.CharField(max_length=60, blank=True, default="", db_default="")
    # Set when the item's result is final: at the end of the block, or on a tutor Submit.
    correct = models.BooleanField(null=True)

    class Meta:
        ordering = ["block_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["block", "position"], name="blockitem_position_unique"),
            models.UniqueConstraint(fields=["block", "question"], name="blockitem_question_unique"),
        ]
        indexes = [
            models.Index(
                fields=["user", "pass_number", "question", "-id"], name="blockitem_pool_idx"
            ),
            models.Index(
                fields=["version"], condition=Q(first_attempt=True), name="blockitem_first_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Item {self.position} of {self.block}"

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


class Change(models.Model):
    """The append-only log of every change a client sent, applied or not."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        SUPERSEDED = "superseded", "Superseded by a later change"
        IGNORED = "ignored", "Ignored (the answer was submitted)"

    block = models.ForeignKey(
        Block, on_delete=models.CASCADE, related_name="changes", db_index=False
    )
    change_id = models.UUIDField()
    position = models.PositiveSmallIntegerField()
    field = models.CharField(max_length=20)
    value = models.JSONField(null=True)
    client_time = models.DateTimeField()
    made_at = models.DateTimeField(help_text="Client time corrected by the clock offset.")
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=12, choices=Outcome.choices)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["block", "change_id"], name="change_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.field} of item {self.position} ({self.change_id})"


class QuestionState(models.Model):
    """Where a question stands for a student in a pass: the pools are read from here.

    Kept up to date as blocks are created, answered, ended and deleted, so that choosing a
    block is a join on one indexed table, however many answers the student has given.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "In an open block"
        CORRECT = "correct", "Correct"
        INCORRECT = "incorrect", "Incorrect"
        OMITTED = "omitted", "Omitted"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    pass_number = models.PositiveSmallIntegerField()
    # Reached through questionstate_unique; no index of its own, for the reason BlockItem's
    # question has none.
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="states", db_index=False
    )
    last_item = models.ForeignKey(BlockItem, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    marked = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "pass_number", "question"], name="questionstate_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id} is {self.status} for {self.user_id}"


class ReportDue(models.Model):
    """A student whose performance report no longer matches their blocks.

    Written in the same transaction as what made it so (a block ended or deleted), and
    removed by analytics once a recomputation that started after it has finished; a periodic
    reconcile recomputes any that a lost task left behind.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    since = models.DateTimeField()

    def __str__(self) -> str:
        return f"Report of {self.user_id} due since {self.since}"
