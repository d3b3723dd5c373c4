"""One way to render a question version, used by the authoring preview, the exam and review."""

from dataclasses import dataclass

from django.template.loader import render_to_string

from apps.questions.models import QuestionVersion


@dataclass(frozen=True)
class RenderedOption:
    letter: str
    text_html: str
    explanation_html: str  # "" unless revealed
    is_correct: bool  # False unless revealed


def item_context(version: QuestionVersion, *, reveal: bool, chosen: str = "") -> dict:
    """What the item template may show; keys and explanations only when `reveal` is true.
    `chosen` is the student's answer, if any: selected, and named once revealed."""
    options = [
        RenderedOption(
            letter=option.letter,
            text_html=option.text_html,
            explanation_html=option.explanation_html if reveal else "",
            is_correct=option.is_correct if reveal else False,
        )
        for option in version.options.all()
    ]
    context = {
        "public_id": version.question.public_id,
        "stem_html": version.stem_html,
        "lead_in_html": version.lead_in_html,
        "options": options,
        "reveal": reveal,
        "chosen": chosen,
    }
    if reveal:
        context |= {
            "explanation_html": version.explanation_html,
            "objective_html": version.objective_html,
            "references": version.references,
        }
    return context


def item_skeleton(*, reveal: bool) -> str:
    """The item template with one empty option (and, revealed, one empty reference): the
    shape a browser fills from the API's data, so that every page shows the same markup.
    Nothing in it depends on a question, so it reveals nothing."""
    context = {
        "public_id": "",
        "stem_html": "",
        "lead_in_html": "",
        "options": [RenderedOption(letter="", text_html="", explanation_html="", is_correct=False)],
        "reveal": reveal,
        "chosen": "",
    }
    if reveal:
        # Every part present, each an empty slot that the browser fills or removes.
        context |= {
            "explanation_html": '<div data-slot="explanation"></div>',
            "objective_html": '<div data-slot="objective"></div>',
            "references": [""],
        }
    return render_to_string("questions/item.html", context)


def render_item(version: QuestionVersion, *, reveal: bool, chosen: str = "") -> str:
    return render_to_string(
        "questions/item.html", item_context(version, reveal=reveal, chosen=chosen)
    )
