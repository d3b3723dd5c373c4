"""Moodle GIFT, multiple-choice questions only; import only.

    // a comment line
    $CATEGORY: cardiology
    ::Title:: [html]Question text {
      =right answer #why it is right
      ~wrong answer #why it is wrong
      #### general feedback
    }

Questions are separated by blank lines. `\\~ \\= \\# \\{ \\} \\: \\\\` are literal characters and
`\\n` a line break. The format marker sets the markup of the whole question: [html] and
[moodle] (the default, where a line break is a break) give HTML, [plain] escaped HTML,
[markdown] Markdown. True/false, short answer, matching, numerical, essay, missing-word
(text after the answers) and description questions are skipped with the reason.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from apps.questions.formats.base import (
    FormatError,
    ImportSource,
    ItemDraft,
    Markup,
    OptionDraft,
    ParseResult,
)
from apps.questions.formats.checks import Where, collect
from apps.questions.formats.markup import lines_to_breaks, plain_to_html

_SPECIAL = "~=#{}:\\"
_FORMAT_MARKER = re.compile(r"\[(html|moodle|plain|markdown)\]")
_TRUE_FALSE = re.compile(r"(T|F|TRUE|FALSE)\s*(#.*)?", re.S | re.I)
_WEIGHT = re.compile(r"%(-?\d+(?:\.\d+)?)%")
_SUPPORTED = "only multiple-choice questions with one right answer are."


def parse(source: ImportSource) -> ParseResult:
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(f"The file is not UTF-8 text: {exc.reason} at byte {exc.start}.") from exc
    result = ParseResult()
    for position, block in enumerate(_question_blocks(text), start=1):
        _parse_block(result, block, position)
    return result


def _question_blocks(text: str) -> list[str]:
    """Each question's source: comment and category lines dropped, split at blank lines."""
    blocks, lines = [], []
    for line in [*text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), ""]:
        stripped = line.strip()
        if stripped.startswith(("//", "$CATEGORY:")):
            continue
        if stripped:
            lines.append(line)
        elif lines:
            blocks.append("\n".join(lines).strip())
            lines = []
    return blocks


def _find(text: str, token: str, start: int = 0) -> int:
    """Where `token` first occurs unescaped at or after `start`, or -1."""
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
        elif text.startswith(token, index):
            return index
        else:
            index += 1
    return -1


def _unescape(text: str) -> str:
    out, index = [], 0
    while index < len(text):
        char = text[index]
        following = text[index + 1 : index + 2]
        if char == "\\" and following and following in _SPECIAL:
            out.append(following)
            index += 2
        elif char == "\\" and following == "n":
            out.append("\n")
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


@dataclass
class _Answer:
    correct: bool
    text: str
    feedback: str
    weight: str  # "" unless the answer carries a %weight%


def _parse_block(result: ParseResult, block: str, position: int) -> None:
    title, body = _title(block)
    where = Where(position, _unescape(title).strip())
    marker = _FORMAT_MARKER.match(body)
    text_format = marker.group(1) if marker else "moodle"
    body = body[marker.end() :] if marker else body
    opening = _find(body, "{")
    closing = _find(body, "}", opening + 1) if opening >= 0 else -1
    if opening >= 0 and closing < 0:
        result.errors.append(where.error("the answer block opened with '{' is never closed."))
        return
    reason = _skip_reason(body, opening, closing)
    if reason:
        result.skipped.append(where.skip(f"{reason} are not supported; {_SUPPORTED}"))
        return
    choices, general = _answers(body[opening + 1 : closing])
    markup, convert = _converter(text_format)
    draft = ItemDraft(
        position=position,
        stem=convert(body[:opening]),
        lead_in="",
        options=[
            OptionDraft(
                text=convert(answer.text),
                explanation=convert(answer.feedback),
                correct=answer.correct,
            )
            for answer in choices
        ],
        markup=markup,
        title=where.identifier,
        explanation=convert(general),
    )
    collect(result, draft, where)


def _skip_reason(body: str, opening: int, closing: int) -> str:
    """What kind of GIFT question this is when it is not multiple choice, else ""."""
    if opening < 0:
        return "GIFT descriptions (text without answers)"
    if body[closing + 1 :].strip():
        return "GIFT missing-word questions (text after the answers)"
    kind = _answer_kind(body[opening + 1 : closing])
    if kind:
        return f"GIFT {kind} questions"
    choices, _ = _answers(body[opening + 1 : closing])
    partial = [f"{answer.weight}%" for answer in choices if 0 < float(answer.weight or 0) < 100]
    if partial:
        return f"GIFT answers with partial credit ({', '.join(partial)})"
    return ""


def _title(block: str) -> tuple[str, str]:
    if not block.startswith("::"):
        return "", block
    end = _find(block, "::", 2)
    if end < 0:
        return "", block
    return block[2:end], block[end + 2 :].lstrip()


def _answer_kind(source: str) -> str:
    """The kind of question an answer block makes, when it is not multiple choice."""
    stripped = source.strip()
    if not stripped:
        return "essay"
    if stripped.startswith("#"):
        return "numerical"
    if _TRUE_FALSE.fullmatch(stripped):
        return "true/false"
    if _find(stripped, "~") < 0:
        return "matching" if "->" in stripped else "short-answer"
    return ""


def _answers(source: str) -> tuple[list[_Answer], str]:
    """The answers, and the general feedback after `####`."""
    general_at = _find(source, "####")
    general = source[general_at + 4 :] if general_at >= 0 else ""
    source = source[:general_at] if general_at >= 0 else source
    starts = _unescaped(source, "=~")
    answers = []
    for start, end in zip(starts, [*starts[1:], len(source)], strict=True):
        piece = source[start + 1 : end]
        weight = _WEIGHT.match(piece.lstrip())
        if weight:
            piece = piece.lstrip()[weight.end() :]
        feedback_at = _find(piece, "#")
        text = piece[:feedback_at] if feedback_at >= 0 else piece
        feedback = piece[feedback_at + 1 :] if feedback_at >= 0 else ""
        correct = source[start] == "=" or (weight is not None and float(weight.group(1)) == 100)
        answers.append(_Answer(correct, text, feedback, weight.group(1) if weight else ""))
    return answers, general


def _unescaped(text: str, characters: str) -> list[int]:
    """Where any of `characters` occurs unescaped."""
    found, index = [], 0
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] in characters:
            found.append(index)
        index += 1
    return found


def _converter(text_format: str) -> tuple[Markup, Callable[[str], str]]:
    if text_format == "markdown":
        return "markdown", lambda text: _unescape(text).strip()
    if text_format == "plain":
        return "html", lambda text: plain_to_html(_unescape(text).strip())
    if text_format == "html":
        return "html", lambda text: _unescape(text).strip()
    return "html", lambda text: lines_to_breaks(_unescape(text).strip())
