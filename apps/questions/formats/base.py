"""What every interchange format produces and consumes: plain drafts, located errors.

A format module has `parse(source: ImportSource) -> ParseResult` and
`render(items: list[ItemDraft]) -> RenderedFile`. Formats know nothing of the database: the
import service validates drafts against the taxonomy, sanitises their text and saves them.
"""

from dataclasses import dataclass, field
from typing import Literal

Markup = Literal["markdown", "html"]


@dataclass
class OptionDraft:
    text: str
    explanation: str = ""
    correct: bool = False


@dataclass
class ImageDraft:
    """An image an item refers to by `name` (in `<img src="name">` or `![alt](name)`)."""

    name: str
    data: bytes
    alt: str = ""


@dataclass
class ItemDraft:
    position: int  # 1-based place of the item in the file, for messages
    stem: str
    lead_in: str
    options: list[OptionDraft]
    markup: Markup = "html"
    external_id: str = ""  # the format's own identifier, where it has one
    uid: str = ""  # Vignette's cross-instance UUID (native format only)
    title: str = ""
    exam: str = ""  # taxonomy codes, e.g. "step1", "pathology", "cardiovascular"
    discipline: str = ""
    system: str = ""
    tags: list[str] = field(default_factory=list)
    enemies: list[str] = field(default_factory=list)  # uids of enemy questions
    explanation: str = ""
    objective: str = ""
    references: list[str] = field(default_factory=list)
    images: list[ImageDraft] = field(default_factory=list)
    waivers: dict[str, str] = field(default_factory=dict)  # checker rule -> the written reason


@dataclass
class ItemError:
    position: int  # 0 for a problem with the whole file
    identifier: str  # the item's own id or title, "" if it has none
    message: str


@dataclass
class SkippedItem:
    position: int
    identifier: str
    reason: str  # e.g. "Essay questions are not supported; only single-best-answer items are."


@dataclass
class ParseResult:
    items: list[ItemDraft] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)


@dataclass
class ImportSource:
    """An uploaded file, or the files of an archive or folder with one main document."""

    filename: str
    data: bytes  # the main document (for an archive: the archive's bytes)
    files: dict[str, bytes] = field(default_factory=dict)  # other files by relative path


@dataclass
class RenderedFile:
    filename: str
    content_type: str
    data: bytes


class FormatError(Exception):
    """The whole file cannot be read (not XML, not JSON, an unsafe archive…)."""
