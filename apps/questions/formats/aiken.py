"""Aiken: plain-text multiple choice; import only.

    A 30-year-old man ... Which of the following is the most likely diagnosis?
    A. Asthma
    B) Pneumonia
    ANSWER: B

Question lines, then options lettered `A.` or `A)`, then `ANSWER: <letter>`, which ends the
item; blank lines are ignored. The text is plain: it is escaped into HTML, lines joined by
breaks. Aiken has no lead-in, feedback or identifier.
"""

import re
from dataclasses import dataclass, field

from apps.questions.formats.base import (
    FormatError,
    ImportSource,
    ItemDraft,
    OptionDraft,
    ParseResult,
)
from apps.questions.formats.checks import Where, collect
from apps.questions.formats.markup import plain_to_html

_OPTION = re.compile(r"([A-Z])[.)]\s+(.*)")
_ANSWER = re.compile(r"ANSWER:\s*(.*)", re.I)


@dataclass
class _Item:
    """An item being read: its question lines and its options by letter."""

    position: int
    lines: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def parse(source: ImportSource) -> ParseResult:
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(f"The file is not UTF-8 text: {exc.reason} at byte {exc.start}.") from exc
    result = ParseResult()
    item: _Item | None = None
    started = 0
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        if (
            item is not None
            and item.options
            and not _OPTION.fullmatch(line)
            and not _ANSWER.fullmatch(line)
        ):
            # A question line after options: this item never got its ANSWER line.
            _unanswered(result, item)
            item = None
        if item is None:
            started += 1
            item = _Item(position=started)
        if answer := _ANSWER.fullmatch(line):
            _finish(result, item, answer.group(1).strip())
            item = None
        elif option := _OPTION.fullmatch(line):
            _add_option(item, option.group(1), option.group(2).strip())
        else:
            item.lines.append(line)
    if item is not None:
        _unanswered(result, item)
    return result


def _add_option(item: _Item, option_letter: str, text: str) -> None:
    if option_letter in item.options:
        item.problems.append(f"the option letter {option_letter} is used twice.")
    else:
        item.options[option_letter] = text


def _unanswered(result: ParseResult, item: _Item) -> None:
    problem = (
        "the options are not followed by an 'ANSWER:' line."
        if item.options
        else "the question has no options and no 'ANSWER:' line."
    )
    result.errors.append(Where(item.position).error(problem))


def _finish(result: ParseResult, item: _Item, key: str) -> None:
    letters = ", ".join(item.options)
    if not re.fullmatch(r"[A-Z]", key):
        item.problems.append(f"'ANSWER: {key}' must name one option letter, such as A.")
    elif item.options and key not in item.options:
        item.problems.append(f"'ANSWER: {key}' names no option; the options are {letters}.")
    draft = ItemDraft(
        position=item.position,
        stem=plain_to_html("\n".join(item.lines)),
        lead_in="",
        options=[
            OptionDraft(text=plain_to_html(text), correct=option_letter == key)
            for option_letter, text in item.options.items()
        ],
        markup="html",
    )
    collect(result, draft, Where(item.position), item.problems)
