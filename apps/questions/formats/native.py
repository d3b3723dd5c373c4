"""Vignette's own lossless JSON bank: every field of an item, images inline or beside the file.

{"format": "vignette-bank", "version": 1, "source": "…", "questions": [{"uid": …, …}]}
An image is {"name", "alt", "data": base64} or {"name", "alt", "file": "figures/x.png"}, the
file coming from the uploaded archive or folder. docs/import-formats.md describes every field.
"""

import base64
import binascii
import json
import posixpath
from typing import Any

from apps.questions.formats.archive import is_zip, read_zip
from apps.questions.formats.base import (
    FormatError,
    ImageDraft,
    ImportSource,
    ItemDraft,
    OptionDraft,
    ParseResult,
    RenderedFile,
)
from apps.questions.formats.checks import Where, collect
from apps.questions.formats.machine_tags import canonical_uuid

FORMAT = "vignette-bank"
VERSION = 1

_TEXT_FIELDS = (
    "external_id",
    "title",
    "exam",
    "discipline",
    "system",
    "stem",
    "lead_in",
    "explanation",
    "objective",
)
_LIST_FIELDS = ("tags", "references")
_QUESTION_FIELDS = {
    "uid",
    "markup",
    "enemies",
    "options",
    "images",
    "waivers",
    *_TEXT_FIELDS,
    *_LIST_FIELDS,
}
_OPTION_FIELDS = {"text", "explanation", "correct"}
_IMAGE_FIELDS = {"name", "alt", "data", "file"}


def parse(source: ImportSource) -> ParseResult:
    document, files = _open(source)
    questions = _questions(_load_json(document))
    result = ParseResult()
    for position, question in enumerate(questions, start=1):
        _parse_question(result, question, position, files)
    return result


def _open(source: ImportSource) -> tuple[bytes, dict[str, bytes]]:
    """The JSON document and the files its images may name, relative to the document."""
    if not is_zip(source.data):
        return source.data, source.files
    archive = read_zip(source.data)
    documents = sorted(path for path in archive if path.lower().endswith(".json"))
    if len(documents) != 1:
        found = ", ".join(documents) or "none"
        raise FormatError(f"The archive must hold exactly one .json bank file; found {found}.")
    folder = posixpath.dirname(documents[0])
    files = {
        posixpath.relpath(path, folder or "."): data
        for path, data in archive.items()
        if path != documents[0] and (not folder or path.startswith(folder + "/"))
    }
    return archive[documents[0]], files


def _load_json(document: bytes) -> Any:
    try:
        return json.loads(document.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise FormatError(f"The file is not UTF-8 text: {exc.reason} at byte {exc.start}.") from exc
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"The file is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from exc
    except RecursionError:
        raise FormatError("The file nests lists or objects too deeply to be a bank.") from None
    except ValueError as exc:  # a number of more digits than Python converts (4,300)
        raise FormatError("The file holds a number with thousands of digits.") from exc


def _questions(bank: Any) -> list[Any]:
    if not isinstance(bank, dict) or bank.get("format") != FORMAT:
        found = bank.get("format") if isinstance(bank, dict) else None
        raise FormatError(
            f'This is not a Vignette bank: its "format" is {json.dumps(found)}, not "{FORMAT}".'
        )
    if bank.get("version") != VERSION:
        raise FormatError(
            f"Vignette bank version {json.dumps(bank.get('version'))} cannot be read; "
            f"this Vignette reads version {VERSION}."
        )
    if not isinstance(bank.get("questions"), list):
        raise FormatError('The bank has no "questions" list.')
    return bank["questions"]


def _parse_question(
    result: ParseResult, question: Any, position: int, files: dict[str, bytes]
) -> None:
    if not isinstance(question, dict):
        where = Where(position)
        result.errors.append(where.error(f"must be an object; found {_kind(question)}."))
        return
    identifier = question.get("uid") or question.get("external_id")
    where = Where(position, identifier if isinstance(identifier, str) else "")
    problems: list[str] = []
    draft = _draft(question, position, files, problems)
    collect(result, draft, where, problems)


def _draft(
    question: dict[str, Any], position: int, files: dict[str, bytes], problems: list[str]
) -> ItemDraft:
    problems += [
        f"has an unknown field '{key}'." for key in question if key not in _QUESTION_FIELDS
    ]
    text = {name: _text(question, name, name, problems) for name in _TEXT_FIELDS}
    uid = _uuid(question.get("uid", ""), "uid", problems)
    markup = question.get("markup", "html")
    if markup not in ("html", "markdown"):
        problems.append(f'\'markup\' must be "html" or "markdown"; found {json.dumps(markup)}.')
    enemies = [
        _uuid(enemy, f"enemies[{index}]", problems)
        for index, enemy in enumerate(_list(question, "enemies", "enemies", problems))
    ]
    return ItemDraft(
        position=position,
        stem=text["stem"],
        lead_in=text["lead_in"],
        options=[
            _option(option, f"options[{index}]", problems)
            for index, option in enumerate(_list(question, "options", "options", problems))
        ],
        markup=markup,
        external_id=text["external_id"] or uid,
        uid=uid,
        title=text["title"],
        exam=text["exam"],
        discipline=text["discipline"],
        system=text["system"],
        tags=_strings(question, "tags", problems),
        enemies=enemies,
        explanation=text["explanation"],
        objective=text["objective"],
        references=_strings(question, "references", problems),
        images=[
            image
            for index, entry in enumerate(_list(question, "images", "images", problems))
            if (image := _image(entry, f"images[{index}]", files, problems))
        ],
        waivers=_waivers(question, problems),
    )


def _waivers(question: dict[str, Any], problems: list[str]) -> dict[str, str]:
    """{"rule": "why this item is right to break it"}: which rule is known is the bank's to
    judge, not the format's."""
    value = question.get("waivers", {})
    if not isinstance(value, dict):
        problems.append(f"'waivers' must be an object; found {_kind(value)}.")
        return {}
    return {
        str(rule): _string(reason, f"waivers.{rule}", problems) for rule, reason in value.items()
    }


def _option(option: Any, path: str, problems: list[str]) -> OptionDraft:
    if not isinstance(option, dict):
        problems.append(f"'{path}' must be an object; found {_kind(option)}.")
        return OptionDraft(text="")
    problems += [
        f"'{path}' has an unknown field '{key}'." for key in option if key not in _OPTION_FIELDS
    ]
    correct = option.get("correct", False)
    if not isinstance(correct, bool):
        problems.append(f"'{path}.correct' must be true or false; found {_kind(correct)}.")
    return OptionDraft(
        text=_text(option, "text", f"{path}.text", problems),
        explanation=_text(option, "explanation", f"{path}.explanation", problems),
        correct=correct is True,
    )


def _image(
    entry: Any, path: str, files: dict[str, bytes], problems: list[str]
) -> ImageDraft | None:
    if not isinstance(entry, dict):
        problems.append(f"'{path}' must be an object; found {_kind(entry)}.")
        return None
    problems += [
        f"'{path}' has an unknown field '{key}'." for key in entry if key not in _IMAGE_FIELDS
    ]
    name = _text(entry, "name", f"{path}.name", problems)
    alt = _text(entry, "alt", f"{path}.alt", problems)
    if not name:
        problems.append(f"'{path}.name' is empty; an image needs the name its item uses.")
    if ("data" in entry) == ("file" in entry):
        problems.append(f'\'{path}\' needs exactly one of "data" (base64) and "file".')
        return None
    if "data" in entry:
        data = _base64(_text(entry, "data", f"{path}.data", problems), f"{path}.data", problems)
    else:
        data = _file(
            _text(entry, "file", f"{path}.file", problems), f"{path}.file", files, problems
        )
    return ImageDraft(name=name, data=data, alt=alt)


def _base64(value: str, path: str, problems: list[str]) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        problems.append(f"'{path}' is not valid base64.")
        return b""


def _file(value: str, path: str, files: dict[str, bytes], problems: list[str]) -> bytes:
    if value not in files:
        problems.append(f"'{path}' names '{value}', which is not in the upload.")
        return b""
    return files[value]


def _text(container: dict[str, Any], key: str, path: str, problems: list[str]) -> str:
    return _string(container.get(key, ""), path, problems)


def _string(value: Any, path: str, problems: list[str]) -> str:
    if isinstance(value, str):
        return value
    problems.append(f"'{path}' must be a string; found {_kind(value)}.")
    return ""


def _list(container: dict[str, Any], key: str, path: str, problems: list[str]) -> list[Any]:
    value = container.get(key, [])
    if isinstance(value, list):
        return value
    problems.append(f"'{path}' must be a list; found {_kind(value)}.")
    return []


def _strings(container: dict[str, Any], key: str, problems: list[str]) -> list[str]:
    values = _list(container, key, key, problems)
    return [_string(value, f"{key}[{index}]", problems) for index, value in enumerate(values)]


def _uuid(value: Any, path: str, problems: list[str]) -> str:
    value = _string(value, path, problems)
    if not value:
        return ""
    canonical = canonical_uuid(value)
    if canonical is None:
        problems.append(f"'{path}' must be a UUID; found {json.dumps(value)}.")
        return ""
    return canonical


def _kind(value: Any) -> str:
    kinds = {bool: "true or false", int: "a number", float: "a number", str: "a string"}
    kinds |= {list: "a list", dict: "an object", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)


def render(items: list[ItemDraft]) -> RenderedFile:
    bank = {"format": FORMAT, "version": VERSION, "questions": [_question(item) for item in items]}
    text = json.dumps(bank, ensure_ascii=False, indent=2) + "\n"
    return RenderedFile("vignette-bank.json", "application/json", text.encode("utf-8"))


def _question(item: ItemDraft) -> dict[str, Any]:
    return {
        "uid": item.uid,
        "external_id": item.external_id,
        "title": item.title,
        "exam": item.exam,
        "discipline": item.discipline,
        "system": item.system,
        "tags": item.tags,
        "enemies": item.enemies,
        "markup": item.markup,
        "stem": item.stem,
        "lead_in": item.lead_in,
        "options": [
            {"text": option.text, "explanation": option.explanation, "correct": option.correct}
            for option in item.options
        ],
        "explanation": item.explanation,
        "objective": item.objective,
        "references": item.references,
        "images": [
            {"name": image.name, "alt": image.alt, "data": base64.b64encode(image.data).decode()}
            for image in item.images
        ],
        **({"waivers": item.waivers} if item.waivers else {}),
    }
