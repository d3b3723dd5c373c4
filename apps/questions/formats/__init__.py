"""The interchange formats, by key, and a guess at which one an upload is in.

Each module's `parse(source)` gives drafts and located errors; those that can export have
`render(items)`. base.py holds the shared dataclasses; checks.py the rules all formats apply.
"""

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from apps.questions.formats import aiken, csv_format, gift, moodle, native, qti
from apps.questions.formats.archive import UNREADABLE, is_zip
from apps.questions.formats.base import ImportSource, ItemDraft, ParseResult, RenderedFile


@dataclass(frozen=True)
class Format:
    key: str
    label: str
    extensions: tuple[str, ...]
    parse: Callable[[ImportSource], ParseResult]
    render: Callable[[list[ItemDraft]], RenderedFile] | None = None

    @property
    def can_export(self) -> bool:
        return self.render is not None


FORMATS = {
    "native": Format(
        "native", "Vignette bank (JSON)", (".json", ".zip"), native.parse, native.render
    ),
    "qti": Format("qti", "IMS QTI 2.1 / 3.0", (".xml", ".zip"), qti.parse, qti.render),
    "moodle": Format("moodle", "Moodle XML", (".xml",), moodle.parse, moodle.render),
    "gift": Format("gift", "Moodle GIFT", (".gift", ".txt"), gift.parse),
    "aiken": Format("aiken", "Aiken", (".txt",), aiken.parse),
    "csv": Format("csv", "Spreadsheet (CSV)", (".csv",), csv_format.parse, csv_format.render),
}

_AIKEN_ANSWER = re.compile(rb"^\s*ANSWER:\s*[A-Za-z]\s*$", re.M)
_GIFT_ANSWERS = re.compile(rb"\{[^}]*[=~][^}]*\}")
# Enough of the start of an XML file to see its root element past a declaration and comments.
_SNIFF = 4096


def detect(filename: str, data: bytes) -> str | None:
    """The key of the format an upload seems to be in, from its content and extension."""
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if is_zip(data):
        return _detect_zip(data)
    head = data[:_SNIFF].lstrip(b"\xef\xbb\xbf \t\r\n")
    # Text that opens with markup may still be a text format (an Aiken stem in <b>, say).
    if head.startswith(b"<") and (xml := _detect_xml(head)):
        return xml
    if head.startswith(b"{") and b'"vignette-bank"' in data:
        return "native"
    if extension == ".csv":
        return "csv"
    if extension == ".gift" or (extension == ".txt" and _GIFT_ANSWERS.search(data)):
        return "gift"
    if extension == ".txt" and _AIKEN_ANSWER.search(data):
        return "aiken"
    return None


def _detect_zip(data: bytes) -> str | None:
    # Only the central directory is read here; archive.read_zip checks the members on import.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except UNREADABLE:
        return None
    if any(name.rsplit("/", 1)[-1] == "imsmanifest.xml" for name in names):
        return "qti"
    if any(name.lower().endswith(".json") for name in names):
        return "native"
    return None


def _detect_xml(head: bytes) -> str | None:
    if re.search(rb"<quiz[\s>]", head):
        return "moodle"
    if re.search(rb"<(\w+:)?(assessmentItem|qti-assessment-item)[\s>]", head):
        return "qti"
    return None
