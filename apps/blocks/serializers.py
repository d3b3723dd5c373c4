from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.blocks.changes import FIELDS
from apps.blocks.models import MAX_ITEMS, Block
from apps.blocks.pools import POOLS


class BlockCreateInputSerializer(serializers.Serializer):
    clock = serializers.ChoiceField(choices=Block.Clock.choices, default=Block.Clock.TIMED)
    feedback = serializers.ChoiceField(choices=Block.Feedback.choices, default=Block.Feedback.EXAM)
    count = serializers.IntegerField(min_value=1, max_value=MAX_ITEMS, default=MAX_ITEMS)
    pools = serializers.ListField(
        child=serializers.ChoiceField(choices=POOLS), default=["unused"], max_length=len(POOLS)
    )
    exams = serializers.ListField(child=serializers.SlugField(), default=list, max_length=10)
    disciplines = serializers.ListField(child=serializers.SlugField(), default=list, max_length=40)
    systems = serializers.ListField(child=serializers.SlugField(), default=list, max_length=40)
    clock_runs_when_suspended = serializers.BooleanField(
        default=False, help_text="True: as on test day, time runs while the block is suspended."
    )
    question_ids = serializers.ListField(
        child=serializers.RegexField(r"^VQ-\d{6,12}$"),
        default=list,
        max_length=MAX_ITEMS,
        help_text="A custom block of these questions, in this order (pools are then ignored).",
    )


class BlockListInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Block.Status.choices, required=False)
    pass_number = serializers.IntegerField(
        min_value=1, required=False, help_text="Only the blocks of this pass."
    )


class ChoiceCountsInputSerializer(serializers.Serializer):
    pools = serializers.ListField(child=serializers.ChoiceField(choices=POOLS), default=["unused"])
    exams = serializers.ListField(child=serializers.SlugField(), default=list)
    disciplines = serializers.ListField(child=serializers.SlugField(), default=list)
    systems = serializers.ListField(child=serializers.SlugField(), default=list)


class ChoiceCountsOutputSerializer(serializers.Serializer):
    pools = serializers.DictField(child=serializers.IntegerField())
    exams = serializers.DictField(child=serializers.IntegerField())
    disciplines = serializers.DictField(child=serializers.IntegerField())
    systems = serializers.DictField(child=serializers.IntegerField())


@extend_schema_field(
    {
        "anyOf": [
            {"type": "string"},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "array", "items": {}},
            {"type": "object"},
        ]
    }
)
class ChangeValueField(serializers.JSONField):
    """Any JSON value but null (JSONField's schema would allow null, which it refuses)."""


class ChangeInputSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="Made by the client; sending it again changes nothing.")
    position = serializers.IntegerField(min_value=1, max_value=MAX_ITEMS)
    field = serializers.ChoiceField(choices=FIELDS)
    value = ChangeValueField(
        help_text='answer: a letter or ""; submit: the letter of the answer shown (tutor '
        "feedback; the earliest-made submit locks it); marked: true or false; struck: letters; "
        "highlights: [start, end] pairs; note: text; time_spent: seconds."
    )
    client_time = serializers.DateTimeField(help_text="When the student made the change.")


class ChangesInputSerializer(serializers.Serializer):
    client_now = serializers.DateTimeField(help_text="The client's clock as it sends the batch.")
    # A ListField rather than many=True, so that the schema states the limits (minItems and
    # maxItems), which a list serializer's min_length and max_length do not give it.
    changes = serializers.ListField(child=ChangeInputSerializer(), min_length=1, max_length=500)


class ItemStateSerializer(serializers.Serializer):
    answer = serializers.CharField()
    submitted = serializers.BooleanField()
    marked = serializers.BooleanField()
    struck = serializers.ListField(child=serializers.CharField())
    highlights = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField())
    )
    note = serializers.CharField()
    time_spent = serializers.IntegerField()


class PeersSerializer(serializers.Serializer):
    shown = serializers.BooleanField()
    reason = serializers.CharField()
    responses = serializers.IntegerField()
    options = serializers.DictField(child=serializers.IntegerField())
    median_seconds = serializers.FloatField(allow_null=True)


class ItemReviewSerializer(serializers.Serializer):
    key = serializers.CharField()
    correct = serializers.BooleanField()
    options = serializers.DictField(child=serializers.CharField())
    explanation_html = serializers.CharField()
    objective_html = serializers.CharField()
    references = serializers.ListField(child=serializers.CharField())
    peers = PeersSerializer()


class OptionSerializer(serializers.Serializer):
    letter = serializers.CharField()
    text_html = serializers.CharField()


class ItemSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    question = serializers.CharField()
    stem_html = serializers.CharField()
    lead_in_html = serializers.CharField()
    options = OptionSerializer(many=True)
    state = ItemStateSerializer()
    review = ItemReviewSerializer(allow_null=True)


class ScoreSerializer(serializers.Serializer):
    correct = serializers.IntegerField()
    incorrect = serializers.IntegerField()
    omitted = serializers.IntegerField()
    time_used_seconds = serializers.IntegerField()


class BlockSummarySerializer(serializers.Serializer):
    public_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Block.Status.choices)
    clock = serializers.ChoiceField(choices=Block.Clock.choices)
    feedback = serializers.ChoiceField(choices=Block.Feedback.choices)
    pass_number = serializers.IntegerField()
    item_count = serializers.IntegerField()
    time_limit_seconds = serializers.IntegerField(allow_null=True)
    seconds_left = serializers.IntegerField(allow_null=True)
    elapsed_seconds = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    end_reason = serializers.CharField()
    score = ScoreSerializer(allow_null=True)


class BlockDetailSerializer(BlockSummarySerializer):
    unanswered = serializers.ListField(child=serializers.IntegerField())
    marked = serializers.ListField(child=serializers.IntegerField())
    items = ItemSerializer(many=True)


class ChangeOutcomeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    outcome = serializers.ChoiceField(choices=["applied", "superseded", "ignored"])


class ItemChangeSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    state = ItemStateSerializer()
    review = ItemReviewSerializer(allow_null=True)


class ChangesOutputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Block.Status.choices)
    seconds_left = serializers.IntegerField(allow_null=True)
    elapsed_seconds = serializers.IntegerField()
    server_time = serializers.DateTimeField()
    results = ChangeOutcomeSerializer(many=True)
    items = ItemChangeSerializer(many=True, help_text="The changed items' state (no content).")
