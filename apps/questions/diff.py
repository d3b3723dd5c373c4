"""What changed between two versions of a question, field by field, for authors and editors."""

import difflib

from apps.questions.models import QuestionVersion


def _fields(version: QuestionVersion) -> dict[str, list[str]]:
    options = []
    for option in version.options.all():
        mark = " (correct)" if option.is_correct else ""
        options.append(f"{option.letter}. {option.text_source}{mark}")
        options += [f"   {line}" for line in option.explanation_source.splitlines() if line]
    return {
        "stem": version.stem_source.splitlines(),
        "lead_in": [version.lead_in_source],
        "options": options,
        "explanation": version.explanation_source.splitlines(),
        "objective": version.objective_source.splitlines(),
        "references": list(version.references),
    }


def version_diff(old: QuestionVersion, new: QuestionVersion) -> dict[str, list[str]]:
    """Unified diff lines ("+ added", "- removed", "  same") for each field that changed."""
    before, after = _fields(old), _fields(new)
    changes = {}
    for field in before:
        if before[field] == after[field]:
            continue
        lines = difflib.ndiff(before[field], after[field])
        changes[field] = [line for line in lines if not line.startswith("? ")]
    return changes
