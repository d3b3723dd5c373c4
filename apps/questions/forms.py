from django import forms

from apps.questions.content import LETTERS, MAX_OPTIONS
from apps.questions.formats.base import ItemDraft, OptionDraft
from apps.questions.models import Discipline, ErrorReport, Exam, System


def _code_choices(model) -> list[tuple[str, str]]:
    return [("", "Choose…")] + [(row.code, row.name) for row in model.objects.all()]


class QuestionForm(forms.Form):
    """The authoring form: the whole question on one page, with up to ten options."""

    exam = forms.ChoiceField()
    discipline = forms.ChoiceField()
    system = forms.ChoiceField()
    tags = forms.CharField(required=False, help_text="Separate tags with commas.")
    stem = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "data-preview": "stem"}),
        required=False,
        help_text="The clinical vignette. Markdown: **bold**, *italic*, tables with | pipes |.",
    )
    lead_in = forms.CharField(
        label="Lead-in",
        max_length=2000,
        widget=forms.TextInput(attrs={"data-preview": "lead_in"}),
        help_text="The question itself, e.g. “Which is the most likely diagnosis?”",
    )
    correct = forms.ChoiceField(
        choices=[(letter, letter) for letter in LETTERS],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the correct option."},
    )
    explanation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "data-preview": "explanation"}), required=False
    )
    objective = forms.CharField(
        label="Educational objective", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    references = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="One per line."
    )
    waivers = forms.CharField(
        label="Checks waived",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="One per line, the check's name, a colon and why this item is right to break "
        "it, e.g. “key-length: the options are drug names”.",
    )

    def clean_waivers(self) -> dict[str, str]:
        waivers = {}
        for line in self.cleaned_data["waivers"].splitlines():
            if not line.strip():
                continue
            rule, colon, reason = line.partition(":")
            if not colon:
                raise forms.ValidationError(
                    f"“{line.strip()}” needs the check's name, a colon and the reason."
                )
            waivers[rule.strip()] = reason.strip()
        return waivers

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exam"].choices = _code_choices(Exam)
        self.fields["discipline"].choices = _code_choices(Discipline)
        self.fields["system"].choices = _code_choices(System)
        for index, letter in enumerate(LETTERS[:MAX_OPTIONS]):
            self.fields[f"option_{index}"] = forms.CharField(
                label=f"Option {letter}", max_length=2000, required=False
            )
            self.fields[f"explanation_{index}"] = forms.CharField(
                label=f"Why {letter} is right or wrong",
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
            )

    def placement_fields(self):
        return [self[name] for name in ("exam", "discipline", "system", "tags")]

    def option_rows(self):
        return [
            (letter, self[f"option_{index}"], self[f"explanation_{index}"])
            for index, letter in enumerate(LETTERS[:MAX_OPTIONS])
        ]

    def to_draft(self) -> ItemDraft:
        data = self.cleaned_data
        options = []
        for index, letter in enumerate(LETTERS[:MAX_OPTIONS]):
            text = data[f"option_{index}"].strip()
            explanation = data[f"explanation_{index}"].strip()
            if text or explanation:
                options.append(OptionDraft(text, explanation, data["correct"] == letter))
        return ItemDraft(
            position=1,
            markup="markdown",
            exam=data["exam"],
            discipline=data["discipline"],
            system=data["system"],
            tags=[tag.strip() for tag in data["tags"].split(",") if tag.strip()],
            stem=data["stem"],
            lead_in=data["lead_in"],
            options=options,
            explanation=data["explanation"],
            objective=data["objective"],
            references=[line.strip() for line in data["references"].splitlines() if line.strip()],
            waivers=data["waivers"],
        )

    @classmethod
    def initial_for(cls, question) -> dict:
        version = question.latest_version
        initial = {
            "exam": question.exam.code,
            "discipline": question.discipline.code,
            "system": question.system.code,
            "tags": ", ".join(tag.name for tag in question.tags.all()),
            "stem": version.stem_source,
            "lead_in": version.lead_in_source,
            "explanation": version.explanation_source,
            "objective": version.objective_source,
            "references": "\n".join(version.references),
            "waivers": "\n".join(f"{rule}: {reason}" for rule, reason in version.waivers.items()),
        }
        for index, option in enumerate(version.options.all()):
            initial[f"option_{index}"] = option.text_source
            initial[f"explanation_{index}"] = option.explanation_source
            if option.is_correct:
                initial["correct"] = option.letter
        return initial


class CommentForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ReportForm(forms.Form):
    note = forms.CharField(
        label="What is wrong?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="E.g. a wrong key, an outdated fact, a typo. Editors read every report.",
    )


class ResolveForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(ErrorReport.Status.FIXED, "Fixed"), (ErrorReport.Status.DISMISSED, "Dismissed")]
    )
    resolution = forms.CharField(
        label="What was done", max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class BankFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    exam = forms.ChoiceField(required=False)
    discipline = forms.ChoiceField(required=False)
    system = forms.ChoiceField(required=False)
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any status"),
            ("draft", "Draft"),
            ("in_review", "In review"),
            ("published", "Published"),
            ("retired", "Retired"),
        ],
    )
    author = forms.CharField(required=False)
    tag = forms.CharField(required=False)
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[
            ("", "Last changed"),
            ("p", "Hardest first (p)"),
            ("-p", "Easiest first (p)"),
            ("rpb", "Least discriminating first"),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, model in (("exam", Exam), ("discipline", Discipline), ("system", System)):
            self.fields[name].choices = [("", f"Any {name}"), *_code_choices(model)[1:]]


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="Vignette JSON or zip, QTI 2.1/3.0 (item or zip package), Moodle XML, GIFT, "
        "Aiken or CSV; at most 50 MB."
    )
    format = forms.ChoiceField(required=False)
    source = forms.CharField(
        required=False,
        max_length=100,
        label="Collection name",
        help_text="Where these items come from, e.g. “cardiology-2026”. Importing into the same "
        "collection again updates its items instead of adding copies.",
    )
    exam = forms.ChoiceField(required=False, label="Exam for items without one")
    discipline = forms.ChoiceField(required=False, label="Discipline for items without one")
    system = forms.ChoiceField(required=False, label="System for items without one")

    def __init__(self, *args, formats=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [("", "Tell from the file"), *formats]
        for name, model in (("exam", Exam), ("discipline", Discipline), ("system", System)):
            self.fields[name].choices = [("", "—"), *_code_choices(model)[1:]]


class ImportConfirmForm(forms.Form):
    only_valid = forms.BooleanField(
        required=False, label="Import only the valid items and leave out those with errors"
    )
    publish = forms.BooleanField(required=False, label="Publish the imported versions at once")


class ExportForm(forms.Form):
    file_format = forms.ChoiceField(label="Format")

    def __init__(self, *args, formats=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file_format"].choices = formats
