"""XML in and out: safe parsing, XHTML content as HTML strings, HTML strings as XHTML.

Parsing goes through defusedxml with DTDs forbidden, so entity expansion (billion laughs) and
external entities (XXE) never run: such a file is refused as a whole.
"""

import re
from html.parser import HTMLParser
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from apps.questions.formats.base import FormatError
from apps.questions.formats.markup import escape_attribute, escape_text

# The serializers below recurse; a deeper tree is hostile, not a question.
MAX_DEPTH = 200

VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


class MalformedXml(FormatError):
    """Not well-formed XML; unlike hostile XML, one bad item in a package is only that item's."""


def parse_xml(data: bytes, *, what: str) -> Element:
    """The document's root with namespaces stripped from tags and attribute names."""
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise FormatError(
            f"{what} declares a DTD or entities, which are refused for safety."
        ) from exc
    except ParseError as exc:
        raise MalformedXml(f"{what} is not well-formed XML: {exc}.") from exc
    except (LookupError, ValueError) as exc:
        # The declaration names an encoding Python lacks, or one expat cannot parse (UTF-16 or
        # Shift JIS declared inside an 8-bit file): the text cannot be read at all.
        raise MalformedXml(f"{what} declares an encoding that cannot be read: {exc}.") from exc
    _check_depth(root, what)
    for element in root.iter():
        element.tag = local_name(element.tag)
        element.attrib = {local_name(key): value for key, value in element.attrib.items()}
    return root


def _check_depth(root: Element, what: str) -> None:
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise FormatError(f"{what} nests elements more than {MAX_DEPTH} levels deep.")
        stack += [(child, depth + 1) for child in element]


def local_name(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def inner_html(element: Element) -> str:
    parts = [escape_text(element.text or "")]
    for child in element:
        parts += [outer_html(child), escape_text(child.tail or "")]
    return "".join(parts)


def outer_html(element: Element) -> str:
    attributes = "".join(f' {k}="{escape_attribute(v)}"' for k, v in element.attrib.items())
    if element.tag in VOID_ELEMENTS and len(element) == 0 and not element.text:
        return f"<{element.tag}{attributes}>"
    return f"<{element.tag}{attributes}>{inner_html(element)}</{element.tag}>"


def text_content(element: Element) -> str:
    return "".join(element.itertext())


def remove_descendants(element: Element, unwanted: set[int]) -> None:
    """Remove the elements whose id() is in `unwanted`, keeping the text that follows each."""
    for parent in list(element.iter()):
        for index, child in reversed(list(enumerate(parent))):
            if id(child) not in unwanted:
                continue
            tail = child.tail or ""
            if index == 0:
                parent.text = (parent.text or "") + tail
            else:
                previous = parent[index - 1]
                previous.tail = (previous.tail or "") + tail
            parent.remove(child)


def xml_text(text: str) -> str:
    # A carriage return would be folded into a line feed by any XML parser.
    return escape_text(text).replace("\r", "&#13;")


def xml_attribute(value: str) -> str:
    # XML parsers turn raw tabs and line breaks in attributes into spaces; references survive.
    return (
        escape_attribute(value).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    )


# A name XML can hold without a namespace: HTML parsers accept tags such as "scr<script" or
# attributes such as '"', which no XML reader would.
_XML_NAME = re.compile(r"[A-Za-z_][\w.-]*")


class _XhtmlWriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[str] = []

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], *, empty: bool) -> None:
        if not _XML_NAME.fullmatch(tag):  # not an element XML can hold: keep it as text
            self.parts.append(xml_text(self.get_starttag_text() or ""))
            return
        written = "".join(
            f' {name}="{xml_attribute(value or name)}"'
            for name, value in attrs
            if _XML_NAME.fullmatch(name)
        )
        self.parts.append(f"<{tag}{written}{'/' if empty else ''}>")
        if not empty:
            self.open.append(tag)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, empty=tag in VOID_ELEMENTS)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, empty=True)

    def handle_endtag(self, tag: str) -> None:
        # An end tag with no open element of its name is stray HTML; XML cannot hold it.
        if tag not in self.open:
            return
        while self.open:
            closed = self.open.pop()
            self.parts.append(f"</{closed}>")
            if closed == tag:
                return

    def handle_data(self, data: str) -> None:
        self.parts.append(xml_text(data))

    def result(self) -> str:
        self.close()
        self.parts += [f"</{tag}>" for tag in reversed(self.open)]
        self.open.clear()
        return "".join(self.parts)


def html_to_xhtml(html: str) -> str:
    """Well-formed XML for an HTML fragment: void elements closed, open elements closed."""
    writer = _XhtmlWriter()
    writer.feed(html)
    return writer.result()
