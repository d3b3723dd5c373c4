"""Text helpers the formats share: escaping, Markdown to HTML, and finding or renaming images."""

import html
import re
from collections.abc import Callable
from functools import cache
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from apps.questions.formats.base import Markup

# `<img ... src="...">`: group 1 is everything up to the value, 2 the quote, 3 the value.
_HTML_IMAGE_SOURCE = re.compile(r"(<img\b[^>]*?\bsrc\s*=\s*)([\"'])(.*?)\2", re.I | re.S)
# `![alt](src "title")`: group 1 is "![alt](", 2 the alt text, 3 the source.
_MARKDOWN_IMAGE = re.compile(r"(!\[([^\]]*)\]\(\s*)([^)\s]+)")


def escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(value: str) -> str:
    return escape_text(value).replace('"', "&quot;")


@cache
def _markdown() -> MarkdownIt:
    # The dialect the app renders (CommonMark with tables), so an exported item reads the same.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_to_html(text: str) -> str:
    return _markdown().render(text).strip()


def markdown_inline_to_html(text: str) -> str:
    return _markdown().renderInline(text).strip()


def plain_to_html(text: str) -> str:
    """Plain text shown as written: markup characters escaped, line breaks kept."""
    return "<br>".join(escape_text(line) for line in text.split("\n"))


def lines_to_breaks(text: str) -> str:
    """Moodle's "auto-format": HTML is allowed and a line break in the source is a break."""
    return "<br>".join(text.split("\n"))


class _ImageFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img" and values.get("src"):
            self.found.append((values["src"] or "", values.get("alt") or ""))


def image_references(text: str, markup: Markup) -> list[tuple[str, str]]:
    """Each image the text shows, as (source, alt text), in order."""
    if markup == "markdown":
        return [(match.group(3), match.group(2)) for match in _MARKDOWN_IMAGE.finditer(text)]
    finder = _ImageFinder()
    finder.feed(text)
    finder.close()
    return finder.found


def rename_images(text: str, markup: Markup, rename: Callable[[str], str | None]) -> str:
    """Replace image sources for which `rename` gives a new value; leave the others alone."""
    if markup == "markdown":

        def markdown_source(match: re.Match[str]) -> str:
            return match.group(1) + (rename(match.group(3)) or match.group(3))

        return _MARKDOWN_IMAGE.sub(markdown_source, text)

    def html_source(match: re.Match[str]) -> str:
        new = rename(html.unescape(match.group(3)))
        if new is None:
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{escape_attribute(new)}{match.group(2)}"

    return _HTML_IMAGE_SOURCE.sub(html_source, text)
