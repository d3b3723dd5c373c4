"""Authored and imported text becomes safe HTML here, and only here.

Authors write CommonMark with tables; imports arrive as HTML. Both pass one allow-list. Images
may point only at our own media (the import service rewrites imported image names first).
"""

import re
from functools import cache

import nh3
from django.conf import settings
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "sub", "sup", "span",
    "ul", "ol", "li", "blockquote", "code", "pre", "hr",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
    "img", "a",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "a": {"href"},
    "ol": {"start"},
}
# Removed with everything inside them, not just unwrapped.
REMOVED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "svg", "math"}

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


@cache
def _markdown() -> MarkdownIt:
    # Raw HTML in Markdown is escaped, not passed through: authors format with Markdown only.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if value.startswith(settings.MEDIA_URL) else None
    if tag == "a" and attribute == "href":
        return value if value.startswith(("https://", "http://")) else None
    return value


def clean_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=REMOVED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


# Words, spaces and common punctuation only, not starting like a list item: one plain
# paragraph in CommonMark. Most option explanations are such prose, and the Markdown parser is
# the slow part of an import.
_NOT_PROSE = re.compile(r"[^\w .,;:'\"()/%?’“”–—+-]|_")
_PROSE_START = re.compile(r"(?![0-9]+[.)])[^\W_]")


def _plain_prose(text: str) -> bool:
    return (
        _PROSE_START.match(text) is not None
        and _NOT_PROSE.search(text) is None
        and not text.endswith(" ")
    )


def markdown_to_html(text: str) -> str:
    if _plain_prose(text):
        # Prose has no character HTML gives a meaning to, so it is safe as it stands.
        return f"<p>{text}</p>"
    return clean_html(_markdown().render(text))


def markdown_inline_to_html(text: str) -> str:
    """One line of Markdown (an option, a lead-in) without the wrapping paragraph."""
    if _plain_prose(text):
        return text
    return clean_html(_markdown().renderInline(text))


def render(text: str, *, markup: str, inline: bool = False) -> str:
    if markup == "markdown":
        return markdown_inline_to_html(text) if inline else markdown_to_html(text)
    return clean_html(text)


def html_to_text(html: str) -> str:
    """Plain text for search and content hashes."""
    return _SPACE.sub(" ", _TAG.sub(" ", html)).strip()
