"""Nothing executable survives the sanitiser, whichever way the text came in."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.questions.sanitize import ALLOWED_TAGS, clean_html, markdown_to_html, render

pytestmark = [pytest.mark.unit]

CORPUS = [
    line.replace("\\n", "\n")
    for line in (Path(__file__).parent / "xss_corpus.txt").read_text().splitlines()
    if line.strip()
]
URL_ATTRIBUTES = {"href", "src"}


class Inspector(HTMLParser):
    """Collects every reason the HTML could run code or load something from elsewhere."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "srcset", "formaction", "background"}:
                self.problems.append(f"attribute {name}")
            if name == "src" and not (value or "").startswith("/media/"):
                self.problems.append(f"src {value!r}")
            if name == "href" and not (value or "").startswith(("https://", "http://")):
                self.problems.append(f"href {value!r}")


def _problems(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


def test_xss_corpus_is_large_enough():
    assert len(CORPUS) >= 100


@pytest.mark.parametrize("payload", CORPUS)
def test_xss_corpus_html_path_leaves_nothing_executable(payload):
    assert _problems(clean_html(payload)) == []


@pytest.mark.parametrize("payload", CORPUS)
def test_xss_corpus_markdown_path_leaves_nothing_executable(payload):
    assert _problems(markdown_to_html(payload)) == []
    assert _problems(render(payload, markup="markdown", inline=True)) == []


def test_sanitiser_keeps_teaching_markup():
    html = clean_html(
        "<p><strong>Na</strong><sup>+</sup> 128 mEq/L, H<sub>2</sub>O</p>"
        "<table><caption>Labs</caption><tr><th scope=col>Test</th><td colspan=2>1</td></tr>"
        "</table><img src='/media/questions/a.png' alt='ECG'>"
    )

    assert html == (
        "<p><strong>Na</strong><sup>+</sup> 128 mEq/L, H<sub>2</sub>O</p>"
        '<table><caption>Labs</caption><tbody><tr><th scope="col">Test</th>'
        '<td colspan="2">1</td></tr></tbody></table><img src="/media/questions/a.png" alt="ECG">'
    )


def test_markdown_tables_and_escaped_html():
    html = markdown_to_html("| Test | Value |\n|---|---|\n| Na | 128 mEq/L |\n\n<b>raw</b>")

    assert "<td>128 mEq/L</td>" in html
    assert "&lt;b&gt;raw&lt;/b&gt;" in html


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' scriptonerrorimgsvgjavascript:()ah"))))
def test_sanitiser_property_random_markup_is_never_executable(text):
    assert _problems(clean_html(text)) == []
    assert _problems(markdown_to_html(text)) == []


PROSE = "aZé1 9.,;:'\"()/%?’“”–—_*-+#>"


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60),
        st.text(alphabet=st.sampled_from(list(PROSE)), max_size=40),
    )
)
def test_markdown_plain_prose_shortcut_matches_the_full_renderer(text):
    from apps.questions.sanitize import _markdown, markdown_inline_to_html

    assert markdown_to_html(text) == clean_html(_markdown().render(text))
    assert markdown_inline_to_html(text) == clean_html(_markdown().renderInline(text))
