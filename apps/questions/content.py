"""Rules every question's content obeys, whoever wrote it: an author, an editor or an import."""

import hashlib

from apps.questions import item_checks
from apps.questions.formats import checks
from apps.questions.formats.base import ItemDraft

MIN_OPTIONS = checks.MIN_OPTIONS
MAX_OPTIONS = checks.MAX_OPTIONS
LETTERS = checks.LETTERS
MAX_TEXT = 20_000
MAX_EXTERNAL_ID = 255  # Question.external_id holds the format's identifier


def draft_problems(draft: ItemDraft) -> dict[str, list[str]]:
    """Field messages for everything wrong with a draft's content; empty when it is sound.

    The shape rules are the ones every import format applies (formats.checks); this adds the
    limits of what the bank stores and says which field each problem belongs to.
    """
    problems: dict[str, list[str]] = {}
    for problem in checks.draft_problems(draft):
        field = "stem" if problem.startswith("the stem") else "options"
        sentence = f"The question {problem}" if problem.startswith("has ") else problem
        problems.setdefault(field, []).append(sentence[0].upper() + sentence[1:])
    for name in ("stem", "lead_in", "explanation", "objective"):
        if len(getattr(draft, name)) > MAX_TEXT:
            problems.setdefault(name, []).append(f"Keep this under {MAX_TEXT:,} characters.")
    if waivers := item_checks.waiver_problems(draft.waivers):
        problems["waivers"] = waivers
    if len(draft.external_id) > MAX_EXTERNAL_ID:
        problems["external_id"] = [
            f"The identifier may have at most {MAX_EXTERNAL_ID} characters; "
            f"this one has {len(draft.external_id):,}."
        ]
    for name, texts in _texts(draft).items():
        if any("\x00" in text for text in texts):
            # As the editor's and the API's fields refuse them; an import file can hold them.
            problems.setdefault(name, []).append("Null characters are not allowed.")
    return problems


def _texts(draft: ItemDraft) -> dict[str, list[str]]:
    """Every text of a draft that the bank stores, by the field it belongs to."""
    return {
        "external_id": [draft.external_id, draft.uid],
        "stem": [draft.stem],
        "lead_in": [draft.lead_in],
        "options": [text for option in draft.options for text in (option.text, option.explanation)],
        "explanation": [draft.explanation],
        "objective": [draft.objective],
        "tags": draft.tags,
        "references": draft.references,
        "images": [text for image in draft.images for text in (image.name, image.alt)],
        "waivers": [text for rule, reason in draft.waivers.items() for text in (rule, reason)],
    }


# Separates the parts of a fingerprint: a control character that no text field contains.
_UNIT = "\x1f"


def content_hash(draft: ItemDraft) -> str:
    """A fingerprint of everything a version holds, to tell a changed item from the same one."""
    # Counts go before each list, so that no two different drafts join to the same string.
    parts = [draft.markup, draft.stem.strip(), draft.lead_in.strip(), str(len(draft.options))]
    for option in draft.options:
        parts += [option.text.strip(), option.explanation.strip(), "1" if option.correct else "0"]
    parts += [draft.explanation.strip(), draft.objective.strip(), str(len(draft.references))]
    parts += [reference.strip() for reference in draft.references]
    for image in sorted(draft.images, key=lambda image: image.name):
        parts += [image.name, image.alt, hashlib.sha256(image.data).hexdigest()]
    if draft.waivers:  # only then, so that the fingerprints of items without any stay the same
        parts += [
            "waivers",
            *(f"{rule}{_UNIT}{reason}" for rule, reason in sorted(draft.waivers.items())),
        ]
    return hashlib.sha256(_UNIT.join(parts).encode()).hexdigest()


def identity_hash(draft: ItemDraft) -> str:
    """An identifier for items whose format has none: the normalised question and options."""
    words = [draft.stem, draft.lead_in, *(option.text for option in draft.options)]
    normalised = "\n".join(" ".join(text.lower().split()) for text in words)
    return "sha256:" + hashlib.sha256(normalised.encode()).hexdigest()
