"""Spreadsheets: one item per row under a documented header; text is Markdown.

external_id,exam,discipline,system,tags,stem,lead_in,option_a…option_j,explanation_a…
explanation_j,correct,explanation,objective,references

`tags` and `references` hold several values separated by `|`; `correct` is the letter of the
right option. Only stem, option_a, option_b and correct must be present; columns may come in
any order and unused ones may be left out. UTF-8 with or without a byte-order mark; a header
without commas but with semicolons (a European spreadsheet's "CSV") is read with semicolons.
Messages name the spreadsheet row (the header is row 1) and the column.
"""

import csv
import io

from apps.questions.formats.base import (
    FormatError,
    ImportSource,
    ItemDraft,
    OptionDraft,
    ParseResult,
    RenderedFile,
)
from apps.questions.formats.checks import LETTERS, Where, collect

OPTION_COLUMNS = [f"option_{letter.lower()}" for letter in LETTERS]
EXPLANATION_COLUMNS = [f"explanation_{letter.lower()}" for letter in LETTERS]
HEADER = [
    "external_id",
    "exam",
    "discipline",
    "system",
    "tags",
    "stem",
    "lead_in",
    *OPTION_COLUMNS,
    *EXPLANATION_COLUMNS,
    "correct",
    "explanation",
    "objective",
    "references",
]
REQUIRED = ("stem", "option_a", "option_b", "correct")
SEPARATOR = "|"


def parse(source: ImportSource) -> ParseResult:
    rows = _rows(_decode(source.data))
    if not rows:
        raise FormatError("The file is empty; it needs the header row and one row per item.")
    header = _header(rows[0])
    result = ParseResult()
    position = 0
    for number, cells in enumerate(rows[1:], start=2):
        if any(cell.strip() for cell in cells):
            position += 1
            _parse_row(result, header, cells, position, number)
    return result


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(
            f"The file is not UTF-8 ({exc.reason} at byte {exc.start}); "
            "save it as “CSV UTF-8” and upload it again."
        ) from exc


def _rows(text: str) -> list[list[str]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise FormatError(f"The file is not valid CSV: {exc}.") from exc


def _header(cells: list[str]) -> list[str]:
    header = [cell.strip().lower() for cell in cells]
    unknown = [name for name in header if name and name not in HEADER]
    if unknown:
        raise FormatError(
            f"Unknown column '{unknown[0]}' in the header; the columns are: {', '.join(HEADER)}."
        )
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise FormatError(f"The column '{repeated[0]}' appears twice in the header.")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FormatError(
            f"The header lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}."
        )
    return header


def _parse_row(
    result: ParseResult, header: list[str], cells: list[str], position: int, number: int
) -> None:
    row = {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name}
    where = Where(position, row.get("external_id", ""), noun="Row", number=number)
    if any(cell.strip() for cell in cells[len(header) :]):
        result.errors.append(
            where.error(f"has {len(cells)} cells but the header has {len(header)} columns.")
        )
        return
    problems: list[str] = []
    options = _options(row, problems)
    key = _correct(row, len(options), problems)
    draft = ItemDraft(
        position=where.position,
        stem=row.get("stem", ""),
        lead_in=row.get("lead_in", ""),
        options=[
            OptionDraft(text=text, explanation=explanation, correct=index == key)
            for index, (text, explanation) in enumerate(options)
        ],
        markup="markdown",
        external_id=row.get("external_id", ""),
        exam=row.get("exam", ""),
        discipline=row.get("discipline", ""),
        system=row.get("system", ""),
        tags=_split(row.get("tags", "")),
        explanation=row.get("explanation", ""),
        objective=row.get("objective", ""),
        references=_split(row.get("references", "")),
    )
    collect(result, draft, where, problems)


def _options(row: dict[str, str], problems: list[str]) -> list[tuple[str, str]]:
    """(text, explanation) of each option, which must fill columns from option_a on."""
    texts = [row.get(column, "") for column in OPTION_COLUMNS]
    explanations = [row.get(column, "") for column in EXPLANATION_COLUMNS]
    count = max((index + 1 for index, text in enumerate(texts) if text), default=0)
    problems += [
        f"column {OPTION_COLUMNS[index]} is empty but {OPTION_COLUMNS[count - 1]} is filled; "
        "fill the options from option_a on, without gaps."
        for index in range(count)
        if not texts[index]
    ]
    problems += [
        f"column {EXPLANATION_COLUMNS[index]} explains an option, but {OPTION_COLUMNS[index]} "
        "is empty."
        for index in range(count, len(LETTERS))
        if explanations[index]
    ]
    return list(zip(texts[:count], explanations[:count], strict=True))


def _correct(row: dict[str, str], count: int, problems: list[str]) -> int | None:
    """The index of the right option, from the `correct` column's letter."""
    value = row.get("correct", "")
    if not value:
        problems.append("column correct is empty; give the letter of the right option.")
        return None
    if len(value) != 1 or value.upper() not in LETTERS:
        problems.append(f"column correct holds '{value}'; give one letter, A to J.")
        return None
    index = LETTERS.index(value.upper())
    if index >= count:
        filled = {0: "no option is filled", 1: "only option A is filled"}.get(
            count, f"the options are A–{LETTERS[count - 1]}"
        )
        problems.append(f"column correct names option {value.upper()}, but {filled}.")
        return None
    return index


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(SEPARATOR) if part.strip()]


def render(items: list[ItemDraft]) -> RenderedFile:
    """The same header; text is written as it is (an HTML item's tags stay tags)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(_row(item) for item in items)
    # The byte-order mark tells spreadsheet programs the file is UTF-8.
    return RenderedFile("vignette-questions.csv", "text/csv", buffer.getvalue().encode("utf-8-sig"))


def _row(item: ItemDraft) -> list[str]:
    padding = [""] * (len(LETTERS) - len(item.options))
    key = next((LETTERS[i] for i, option in enumerate(item.options) if option.correct), "")
    return [
        item.external_id,
        item.exam,
        item.discipline,
        item.system,
        SEPARATOR.join(item.tags),
        item.stem,
        item.lead_in,
        *(option.text for option in item.options),
        *padding,
        *(option.explanation for option in item.options),
        *padding,
        key,
        item.explanation,
        item.objective,
        SEPARATOR.join(item.references),
    ]
