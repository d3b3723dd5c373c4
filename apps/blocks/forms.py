from django import forms

from apps.blocks.models import MAX_ITEMS, Block
from apps.questions.models import Discipline, Exam, System

POOL_CHOICES = [
    ("unused", "Unused"),
    ("incorrect", "Incorrect"),
    ("marked", "Marked"),
    ("omitted", "Omitted"),
    ("correct", "Correct"),
    ("all", "All"),
]


class BlockCreateForm(forms.Form):
    clock = forms.ChoiceField(
        choices=Block.Clock.choices, initial=Block.Clock.TIMED, widget=forms.RadioSelect
    )
    feedback = forms.ChoiceField(
        choices=[
            ("exam", "Exam: answers after the block"),
            ("tutor", "Tutor: answer after each item"),
        ],
        initial="exam",
        widget=forms.RadioSelect,
    )
    clock_runs_when_suspended = forms.BooleanField(
        required=False, label="Keep the clock running while suspended (as on test day)"
    )
    pools = forms.MultipleChoiceField(
        choices=POOL_CHOICES, initial=["unused"], widget=forms.CheckboxSelectMultiple
    )
    exams = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    disciplines = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    systems = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    count = forms.IntegerField(
        min_value=1, max_value=MAX_ITEMS, initial=MAX_ITEMS, label="Number of items"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, model in (("exams", Exam), ("disciplines", Discipline), ("systems", System)):
            self.fields[name].choices = [(row.code, row.name) for row in model.objects.all()]
