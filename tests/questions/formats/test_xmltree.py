import pytest

from apps.questions.formats.base import FormatError
from apps.questions.formats.xmltree import MAX_DEPTH, html_to_xhtml, inner_html, parse_xml

pytestmark = [pytest.mark.unit]


@pytest.mark.parametrize(
    ("html", "xhtml"),
    [
        ('<p>K<sup>+</sup> &lt; 3.5<br><img src="ecg.png" alt="ECG"></p>',
         '<p>K<sup>+</sup> &lt; 3.5<br/><img src="ecg.png" alt="ECG"/></p>'),
        ("<p>Open <b>bold", "<p>Open <b>bold</b></p>"),
        ("stray</i> end tag", "stray end tag"),
        ("A&nbsp;B &amp; C", "A\u00a0B &amp; C"),
        ('<td title="two\nlines">x</td>', '<td title="two&#10;lines">x</td>'),
        # Names HTML parsers accept and XML cannot hold: elements kept as text, attributes
        # left out.
        ("<javascript:alert(1)>x", "&lt;javascript:alert(1)&gt;x"),
        ('<img """ alt="a">', '<img alt="a"/>'),
        ('<a xlink:href="x">y</a>', "<a>y</a>"),
    ],
)  # fmt: skip
def test_html_to_xhtml_is_well_formed(html, xhtml):
    assert html_to_xhtml(html) == xhtml


def test_inner_html_drops_namespaces_and_closes_void_elements():
    root = parse_xml(
        b'<body xmlns="urn:x"><p xml:lang="en">a<br/>b</p><img src="ecg.png"/></body>',
        what="The file",
    )

    assert inner_html(root) == '<p lang="en">a<br>b</p><img src="ecg.png">'


def test_parse_xml_refuses_deep_nesting():
    deep = b"<a>" * (MAX_DEPTH + 1) + b"</a>" * (MAX_DEPTH + 1)

    with pytest.raises(FormatError) as error:
        parse_xml(deep, what="The file")

    assert str(error.value) == f"The file nests elements more than {MAX_DEPTH} levels deep."
