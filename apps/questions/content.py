"""Rules every question's content obeys, whoever wrote it: an author, an editor or an import."""

import hashlib
import json

from apps.questions.formats.base import ItemDraft

MIN_OPTIONS = 2
MAX_OPTIONS = 10
LETTERS = "ABCDEFGHIJ"
MAX_TEXT = 20_000


def draft_problems(draft: ItemDraft) -> dict[str, list[str]]:
    """Field messages for everything wrong with a draft's content; empty when it is sound."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if not draft.stem.strip() and not draft.lead_in.strip():
        add("stem", "Write the vignette (the stem) or at least a lead-in question.")
    if not draft.lead_in.strip():
        add("lead_in", "Write the lead-in: the question the student answers.")
    for name in ("stem", "lead_in", "explanation", "objective"):
        if len(getattr(draft, name)) > MAX_TEXT:
            add(name, f"Keep this under {MAX_TEXT:,} characters.")
    count = len(draft.options)
    if not MIN_OPTIONS <= count <= MAX_OPTIONS:
        add("options", f"Give {MIN_OPTIONS} to {MAX_OPTIONS} options; there are {count}.")
    correct = sum(1 for option in draft.options if option.correct)
    if count and correct != 1:
        add("options", f"Mark exactly one option correct; {correct} are marked.")
    texts = [option.text.strip() for option in draft.options]
    for letter, text in zip(LETTERS, texts, strict=False):
        if not text:
            add("options", f"Option {letter} has no text.")
    duplicates = sorted({t for t in texts if t and texts.count(t) > 1})
    for text in duplicates:
        add("options", f"The option “{text[:60]}” appears more than once.")
    return problems


def content_hash(draft: ItemDraft) -> str:
    """A fingerprint of everything a version holds, to tell a changed item from the same one."""
    payload = {
        "markup": draft.markup,
        "stem": draft.stem.strip(),
        "lead_in": draft.lead_in.strip(),
        "options": [
            [option.text.strip(), option.explanation.strip(), option.correct]
            for option in draft.options
        ],
        "explanation": draft.explanation.strip(),
        "objective": draft.objective.strip(),
        "references": [reference.strip() for reference in draft.references],
        "images": sorted(
            (image.name, image.alt, hashlib.sha256(image.data).hexdigest())
            for image in draft.images
        ),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def identity_hash(draft: ItemDraft) -> str:
    """An identifier for items whose format has none: the normalised question and options."""
    words = [draft.stem, draft.lead_in, *(option.text for option in draft.options)]
    normalised = "\n".join(" ".join(text.lower().split()) for text in words)
    return "sha256:" + hashlib.sha256(normalised.encode()).hexdigest()
