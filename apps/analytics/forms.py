import re

from django import forms

from apps.questions.selectors import parse_public_id

MAX_ITEMS = 200


class ReliabilityForm(forms.Form):
    questions = forms.CharField(
        label="Question ids",
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "VQ-000012, VQ-000045, …"}),
        help_text=f"2 to {MAX_ITEMS} ids, separated by commas, spaces or new lines.",
    )

    def clean(self):
        cleaned = super().clean()
        tokens = [t for t in re.split(r"[\s,;]+", cleaned.get("questions", "")) if t]
        ids = [parse_public_id(token.upper()) for token in tokens]
        bad = [token for token, pk in zip(tokens, ids, strict=True) if pk is None]
        if bad:
            self.add_error("questions", f"Not a question id: {', '.join(bad[:5])}.")
        elif not 2 <= len(set(ids)) <= MAX_ITEMS:
            self.add_error("questions", f"Give 2 to {MAX_ITEMS} different question ids.")
        else:
            cleaned["question_ids"] = list(dict.fromkeys(ids))
        return cleaned
