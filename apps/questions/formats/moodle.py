"""Moodle XML: single-answer `multichoice` questions; every other question type is skipped.

Reading: the question text is the stem (Moodle has no lead-in), `<answer fraction="100">` is the
key, each answer's feedback explains it and the general feedback is the explanation. Files
embedded as `<file encoding="base64">` become images, and `@@PLUGINFILE@@/name` in the text
becomes `name`. Category entries are not questions and are passed over.

Writing keeps every Vignette field, in ways Moodle shows sensibly and our reader takes apart:
- the lead-in follows the stem in the question text after `<!-- vignette:lead-in -->`;
- the objective and references follow the explanation in the general feedback, after
  `<!-- vignette:objective -->` and `<!-- vignette:references -->` (references as a list);
- the idnumber is the external id (else the uid); taxonomy codes, uid and enemies are machine
  tags (see machine_tags.py).
"""

import base64
import binascii
import html
import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from apps.questions.formats.base import (
    FormatError,
    ImageDraft,
    ImportSource,
    ItemDraft,
    Markup,
    OptionDraft,
    ParseResult,
    RenderedFile,
)
from apps.questions.formats.checks import Where, collect, letter
from apps.questions.formats.machine_tags import machine_tags, read_machine_tags
from apps.questions.formats.markup import (
    escape_text,
    image_references,
    lines_to_breaks,
    markdown_to_html,
    plain_to_html,
    rename_images,
)
from apps.questions.formats.xmltree import parse_xml, text_content

LEAD_IN_MARK = "<!-- vignette:lead-in -->"
OBJECTIVE_MARK = "<!-- vignette:objective -->"
REFERENCES_MARK = "<!-- vignette:references -->"
PLUGINFILE = "@@PLUGINFILE@@/"

_PLUGINFILE_URL = re.compile(re.escape(PLUGINFILE) + r"([^\"'\s<>)]+)")
_LIST_ITEM = re.compile(r"<li>(.*?)</li>", re.S)
# Moodle's default for a question text without a format attribute.
_DEFAULT_FORMAT = "moodle_auto_format"
_TO_HTML = {
    "html": lambda text: text,
    "markdown": markdown_to_html,
    "plain_text": plain_to_html,
}


def parse(source: ImportSource) -> ParseResult:
    root = parse_xml(source.data, what="The file")
    if root.tag != "quiz":
        raise FormatError(
            f"The XML root element is <{root.tag}>; a Moodle XML file starts with <quiz>."
        )
    questions = [
        question for question in root.findall("question") if question.get("type") != "category"
    ]
    result = ParseResult()
    for position, question in enumerate(questions, start=1):
        _parse_question(result, question, position)
    return result


def _parse_question(result: ParseResult, question: Element, position: int) -> None:
    where = Where(position, _idnumber(question) or _text(question.find("name")))
    kind = question.get("type", "")
    if kind != "multichoice":
        result.skipped.append(
            where.skip(
                f"Moodle question type '{kind}' is not supported; "
                "only single-best-answer multiple choice is."
            )
        )
        return
    if (question.findtext("single") or "true").strip().lower() not in ("true", "1"):
        result.skipped.append(
            where.skip(
                "Moodle multichoice with several right answers (<single>false</single>) is not "
                "supported; only single-best-answer multiple choice is."
            )
        )
        return
    answers = question.findall("answer")
    problems: list[str] = []
    fractions = [_fraction(answer, index, problems) for index, answer in enumerate(answers)]
    partial = [
        f"option {letter(index)}: {answer.get('fraction')}%"
        for index, (answer, fraction) in enumerate(zip(answers, fractions, strict=True))
        if 0 < fraction < 100
    ]
    if partial:
        result.skipped.append(
            where.skip(
                f"Moodle multichoice with partial credit ({', '.join(partial)}) is not "
                "supported; only single-best-answer multiple choice is."
            )
        )
        return
    draft = _draft(question, position, fractions, problems)
    collect(result, draft, where, problems)


def _fraction(answer: Element, index: int, problems: list[str]) -> float:
    raw = answer.get("fraction", "0")
    try:
        return float(raw)
    except ValueError:
        problems.append(f"option {letter(index)} has the fraction '{raw}', which is not a number.")
        return 0.0


@dataclass
class _Texts:
    """An item's text fields as Moodle holds them: (text, format) with images still pluginfile
    URLs; `markup` is what they become together."""

    question: tuple[str, str]
    general: tuple[str, str]
    answers: list[tuple[str, str]]
    feedback: list[tuple[str, str]]
    markup: Markup = "html"
    referenced: list[str] = field(default_factory=list)

    def read(self, piece: tuple[str, str]) -> str:
        text, text_format = piece
        if self.markup == "html":
            text = _TO_HTML.get(text_format, lines_to_breaks)(text)
        return _PLUGINFILE_URL.sub(self._image_name, text).strip()

    def _image_name(self, match: re.Match[str]) -> str:
        name = unquote(match.group(1))
        self.referenced.append(name)
        return name


def _draft(
    question: Element, position: int, fractions: list[float], problems: list[str]
) -> ItemDraft:
    question_format = _format(question.find("questiontext"), _DEFAULT_FORMAT)
    answers = question.findall("answer")
    texts = _Texts(
        question=_field(question.find("questiontext"), question_format),
        general=_field(question.find("generalfeedback"), question_format),
        answers=[_field(answer, _format(answer, question_format)) for answer in answers],
        feedback=[_field(answer.find("feedback"), question_format) for answer in answers],
    )
    # One markup per item: Markdown only when every piece is Markdown, else all becomes HTML.
    pieces = [texts.question, texts.general, *texts.answers, *texts.feedback]
    if all(text_format == "markdown" for text, text_format in pieces if text.strip()):
        texts.markup = "markdown"
    stem, _, lead_in = _split_last(texts.read(texts.question), LEAD_IN_MARK)
    explanation, objective, references = _general_feedback(texts.read(texts.general))
    options = [
        OptionDraft(
            text=texts.read(answer), explanation=texts.read(feedback), correct=fraction == 100
        )
        for answer, feedback, fraction in zip(texts.answers, texts.feedback, fractions, strict=True)
    ]
    machine = read_machine_tags([_text(tag) for tag in question.findall("tags/tag") if _text(tag)])
    problems += machine.problems
    draft = ItemDraft(
        position=position,
        stem=stem,
        lead_in=lead_in,
        options=options,
        markup=texts.markup,
        external_id=machine.values.get("external-id", _idnumber(question)),
        uid=machine.values.get("uid", ""),
        title=_text(question.find("name")),
        exam=machine.values.get("exam", ""),
        discipline=machine.values.get("discipline", ""),
        system=machine.values.get("system", ""),
        tags=machine.tags,
        enemies=machine.enemies,
        explanation=explanation,
        objective=objective,
        references=references,
    )
    draft.images = _images(question, draft, texts.referenced, problems)
    return draft


def _idnumber(question: Element) -> str:
    return (question.findtext("idnumber") or "").strip()


def _text(element: Element | None) -> str:
    return (element.findtext("text") or "").strip() if element is not None else ""


def _format(element: Element | None, default: str) -> str:
    return element.get("format", default) if element is not None else default


def _field(element: Element | None, default_format: str) -> tuple[str, str]:
    if element is None:
        return "", default_format
    return element.findtext("text") or "", _format(element, default_format)


def _split_last(text: str, mark: str) -> tuple[str, str, str]:
    """Text before and after the last `mark` (stripped), or all the text and "" without one."""
    before, found, after = text.rpartition(mark)
    return (before.strip(), found, after.strip()) if found else (text, "", "")


def _general_feedback(text: str) -> tuple[str, str, list[str]]:
    rest, _, references = _split_last(text, REFERENCES_MARK)
    explanation, _, objective = _split_last(rest, OBJECTIVE_MARK)
    return (
        explanation,
        objective,
        [html.unescape(item).strip() for item in _LIST_ITEM.findall(references)],
    )


def _images(
    question: Element, draft: ItemDraft, referenced: list[str], problems: list[str]
) -> list[ImageDraft]:
    texts = [draft.stem, draft.lead_in, draft.explanation, draft.objective]
    texts += [text for option in draft.options for text in (option.text, option.explanation)]
    alts: dict[str, str] = {}
    for text in texts:
        for source, alt in image_references(text, draft.markup):
            alts.setdefault(source, alt)
    images: dict[str, ImageDraft] = {}
    for element in question.iter("file"):
        folder = element.get("path", "/").strip("/")
        name = f"{folder}/{element.get('name', '')}" if folder else element.get("name", "")
        data = _file_data(element, name, problems)
        if name in images and images[name].data != data:
            problems.append(f"two different files are named '{name}'.")
        images.setdefault(name, ImageDraft(name=name, data=data, alt=alts.get(name, "")))
    problems += [
        f"the image '{name}' is used but not attached."
        for name in dict.fromkeys(referenced)
        if name not in images
    ]
    return list(images.values())


def _file_data(element: Element, name: str, problems: list[str]) -> bytes:
    encoding = element.get("encoding", "base64")
    if encoding != "base64":
        problems.append(f"the file '{name}' is in encoding '{encoding}'; only base64 is read.")
        return b""
    try:
        return base64.b64decode("".join(text_content(element).split()), validate=True)
    except binascii.Error:
        problems.append(f"the file '{name}' is not valid base64.")
        return b""


def render(items: list[ItemDraft]) -> RenderedFile:
    quiz = Element("quiz")
    quiz.extend(_question(item) for item in items)
    indent(quiz)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(quiz, encoding="unicode") + "\n"
    return RenderedFile("vignette-moodle.xml", "application/xml", text.encode("utf-8"))


def _question(item: ItemDraft) -> Element:
    question = Element("question", type="multichoice")
    SubElement(SubElement(question, "name"), "text").text = item.title
    question_text = _join(item.stem, LEAD_IN_MARK, item.lead_in)
    # Every image goes with the question text, which keeps them all; Moodle looks an image up
    # in the field that shows it, so a field showing one gets its own copy too.
    _formatted(question, "questiontext", question_text, item, all_images=True)
    general = _join(item.explanation, OBJECTIVE_MARK, item.objective)
    general = _join(general, REFERENCES_MARK, _references_html(item.references))
    _formatted(question, "generalfeedback", general, item)
    for name, value in (("defaultgrade", "1"), ("penalty", "0"), ("hidden", "0")):
        SubElement(question, name).text = value
    if item.external_id or item.uid:
        SubElement(question, "idnumber").text = item.external_id or item.uid
    for name, value in (
        ("single", "true"),
        ("shuffleanswers", "false"),
        ("answernumbering", "ABCD"),
        ("showstandardinstruction", "0"),
    ):
        SubElement(question, name).text = value
    for option in item.options:
        answer = _formatted(question, "answer", option.text, item)
        answer.set("fraction", "100" if option.correct else "0")
        _formatted(answer, "feedback", option.explanation, item)
    tags = SubElement(question, "tags")
    for tag in [*item.tags, *machine_tags(item)]:
        SubElement(SubElement(tags, "tag"), "text").text = tag
    return question


def _join(first: str, mark: str, second: str) -> str:
    return f"{first}\n{mark}\n{second}" if second else first


def _references_html(references: list[str]) -> str:
    if not references:
        return ""
    return (
        "<ul>" + "".join(f"<li>{escape_text(reference)}</li>" for reference in references) + "</ul>"
    )


def _formatted(
    parent: Element, tag: str, text: str, item: ItemDraft, *, all_images: bool = False
) -> Element:
    """A Moodle text field: `<tag format="…"><text>…</text><file …/></tag>`."""
    names = {image.name for image in item.images}

    def pluginfile(source: str) -> str | None:
        return PLUGINFILE + quote(source) if source in names else None

    element = SubElement(parent, tag, format="markdown" if item.markup == "markdown" else "html")
    SubElement(element, "text").text = rename_images(text, item.markup, pluginfile)
    shown = {source for source, _ in image_references(text, item.markup)}
    for image in item.images:
        if all_images or image.name in shown:
            folder, _, name = image.name.rpartition("/")
            path = f"/{folder}/" if folder else "/"
            file = SubElement(element, "file", name=name, path=path, encoding="base64")
            file.text = base64.b64encode(image.data).decode()
    return element
