import re

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
QUESTION_ID = re.compile(r"^VQ-\d{6,12}$")


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
        required=False,
        choices=POOL_CHOICES,
        initial=["unused"],
        widget=forms.CheckboxSelectMultiple,
    )
    exams = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    disciplines = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    systems = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    count = forms.IntegerField(
        min_value=1, max_value=MAX_ITEMS, initial=MAX_ITEMS, label="Number of items"
    )
    question_ids = forms.CharField(
        required=False,
        label="Question ids",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "VQ-000012, VQ-000045"}),
        help_text=f"A study group's list, up to {MAX_ITEMS}, separated by commas, spaces or "
        "new lines. The block holds these questions in this order; pools, filters and the "
        "number of items are then ignored.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, model in (("exams", Exam), ("disciplines", Discipline), ("systems", System)):
            self.fields[name].choices = [(row.code, row.name) for row in model.objects.all()]

    def clean_question_ids(self) -> list[str]:
        ids = [token.upper() for token in re.split(r"[\s,;]+", self.cleaned_data["question_ids"])]
        ids = [token for token in ids if token]
        malformed = [token for token in ids if not QUESTION_ID.match(token)]
        if malformed:
            raise forms.ValidationError(
                f"Not a question id: {', '.join(malformed[:5])}. Ids look like VQ-000123."
            )
        if len(ids) > MAX_ITEMS:
            raise forms.ValidationError(
                f"A block holds at most {MAX_ITEMS} questions; this list has {len(ids)}."
            )
        return ids

    def clean(self):
        cleaned = super().clean()
        custom_list_given = cleaned.get("question_ids") or "question_ids" in self.errors
        if not custom_list_given and "pools" in cleaned and not cleaned["pools"]:
            self.add_error("pools", "Choose at least one pool, or list question ids below.")
        return cleaned
