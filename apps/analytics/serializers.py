from rest_framework import serializers

from apps.analytics.selectors import FEEDBACKS


class PerformanceInputSerializer(serializers.Serializer):
    first_pass = serializers.BooleanField(
        default=False, help_text="Count the first pass only (otherwise every pass)."
    )
    feedback = serializers.ChoiceField(
        choices=FEEDBACKS,
        default="all",
        help_text="Blocks taken with this feedback; tutor scores run higher than exam ones.",
    )


class PerformanceRowSerializer(serializers.Serializer):
    axis = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    seen = serializers.IntegerField()
    correct = serializers.IntegerField()
    incorrect = serializers.IntegerField()
    omitted = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)
    interval = serializers.ListField(
        child=serializers.FloatField(), allow_null=True, help_text="95% Wilson interval, percent."
    )
    seconds_per_item = serializers.FloatField(allow_null=True)
    peer_median_seconds = serializers.FloatField(allow_null=True)
    percentile = serializers.FloatField(
        allow_null=True,
        help_text="Rank of your first-attempt percent correct among peers (mid-rank, 0-100).",
    )
    peers = serializers.IntegerField()
    percentile_note = serializers.CharField()


class PerformanceOutputSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField(allow_null=True)
    computing = serializers.BooleanField(help_text="A block ended since: a newer report is due.")
    basis = PerformanceInputSerializer()
    basis_text = serializers.CharField()
    pace_seconds = serializers.IntegerField()
    overall = PerformanceRowSerializer()
    exams = PerformanceRowSerializer(many=True)
    disciplines = PerformanceRowSerializer(many=True)
    systems = PerformanceRowSerializer(many=True)
    weakest = PerformanceRowSerializer(many=True)
