"""The rules every parser applies the same way, and the one way to word where a problem is.

A draft that breaks a rule becomes an `ItemError`, never an item: the import service then only
has to judge what the formats cannot (the taxonomy, duplicates in the bank).
"""

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from apps.questions.formats.base import ItemDraft, ItemError, ParseResult, SkippedItem

MIN_OPTIONS = 2
MAX_OPTIONS = 10
LETTERS = "ABCDEFGHIJ"

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Where:
    """An item's place in its file, as messages name it: "Item 3 (q-17)" or "Row 4 (q-17)"."""

    position: int
    identifier: str = ""
    noun: str = "Item"
    number: int | None = None  # what the reader sees, when it is not the position (CSV rows)

    def __str__(self) -> str:
        number = self.position if self.number is None else self.number
        label = f"{self.noun} {number}"
        return f"{label} ({self.identifier})" if self.identifier else label

    def error(self, problem: str) -> ItemError:
        return ItemError(self.position, self.identifier, f"{self}: {problem}")

    def skip(self, reason: str) -> SkippedItem:
        return SkippedItem(self.position, self.identifier, reason)


def letter(index: int) -> str:
    """The letter of the option at `index` (0-based); past J, its number, for messages only."""
    return LETTERS[index] if index < len(LETTERS) else str(index + 1)


def is_blank(text: str) -> bool:
    """True when the text shows nothing: no words once tags and entities go, and no image."""
    if "<img" in text.lower() or "![" in text:
        return False
    return not html.unescape(_TAG.sub("", text)).strip()


def draft_problems(draft: ItemDraft) -> list[str]:
    """What is wrong with a draft's shape, each as the end of a sentence about the item."""
    problems = []
    if is_blank(draft.stem) and is_blank(draft.lead_in):
        problems.append("the stem and the lead-in are both empty; one of them needs text.")
    count = len(draft.options)
    if not MIN_OPTIONS <= count <= MAX_OPTIONS:
        noun = "option" if count == 1 else "options"
        problems.append(f"has {count} {noun}; an item needs {MIN_OPTIONS} to {MAX_OPTIONS}.")
    problems += [
        f"option {letter(index)} has no text."
        for index, option in enumerate(draft.options)
        if is_blank(option.text)
    ]
    problems += _duplicate_problems(draft)
    correct = sum(option.correct for option in draft.options)
    if count and correct == 0:
        problems.append("no option is marked correct; exactly one must be.")
    elif correct > 1:
        problems.append(f"{correct} options are marked correct; exactly one must be.")
    return problems


def _duplicate_problems(draft: ItemDraft) -> list[str]:
    # Case and spacing do not make two options different for a student reading them.
    groups: dict[str, list[str]] = {}
    for index, option in enumerate(draft.options):
        if not is_blank(option.text):
            key = _SPACE.sub(" ", option.text).strip().casefold()
            groups.setdefault(key, []).append(letter(index))
    return [
        f"options {', '.join(letters[:-1])} and {letters[-1]} have the same text."
        for letters in groups.values()
        if len(letters) > 1
    ]


def collect(
    result: ParseResult, draft: ItemDraft, where: Where, problems: Sequence[str] = ()
) -> None:
    """Add the draft as an item, or one error per problem: first those the format found while
    reading it (then the draft is incomplete and not judged further), else the shared rules'."""
    problems = list(problems) or draft_problems(draft)
    if problems:
        result.errors += [where.error(problem) for problem in problems]
    else:
        result.items.append(draft)
