import pytest
from defusedxml import ElementTree

from apps.analytics.charts import line_chart

pytestmark = [pytest.mark.unit]
SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str):
    return ElementTree.fromstring(
        markup.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    )


def test_line_chart_is_accessible_svg_with_a_dot_per_value():
    markup = line_chart(
        [("1 Nov", 50.0), ("2 Nov", None), ("3 Nov", 75.0)],
        title="Percent correct per block",
        description="Percent correct in each block; the table gives the numbers.",
    )

    svg = _parse(markup)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == (
        "chart-percentcorrectperblock-title chart-percentcorrectperblock-desc"
    )
    assert svg.find(f"{SVG}title").text == "Percent correct per block"
    assert len(svg.findall(f"{SVG}circle")) == 2
    assert svg.find(f"{SVG}path").get("d") == "M44.0,99.0 L628.0,55.5"
    assert "style=" not in markup  # colors come from the page's CSS (and its CSP)


def test_line_chart_escapes_labels():
    markup = line_chart([("<b>", 10.0)], title="A & B", description="x")

    assert "<b>" not in markup
    assert "&lt;b&gt;" in markup
    assert _parse(markup).find(f"{SVG}title").text == "A & B"
