"""The lab values panel on its own: the module and the data file, in a blank page, no server."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from apps.questions.lab_values import lab_values

pytestmark = [pytest.mark.e2e]

MODULE = Path(__file__).resolve().parents[2] / "static" / "js" / "exam" / "labvalues.js"


@pytest.fixture
def table() -> dict:
    return lab_values()


@pytest.fixture
def panel(page: Page, table: dict) -> Page:
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content("<main id='root'></main>")
    page.add_script_tag(
        type="module",
        content=MODULE.read_text(encoding="utf-8")
        + f'\nmountLabValues(document.getElementById("root"), {json.dumps(table)});\n',
    )
    expect(page.get_by_label("Search lab values")).to_be_visible()
    yield page
    assert errors == []


def _row_headers(table: dict, section: str | None = None) -> list[str]:
    """A row header's text: the analyte, then its note (shown beneath it)."""
    return [
        row["analyte"] + row["note"]
        for each in table["sections"]
        if section in (None, each["name"])
        for row in each["rows"]
    ]


def test_labvalues_panel_renders_every_section(panel: Page, table: dict):
    sections = [section["name"] for section in table["sections"]]

    expect(panel.get_by_role("heading")).to_have_text(sections)
    for name in sections:
        expect(panel.get_by_role("table", name=name)).to_be_visible()
    expect(panel.get_by_role("rowheader")).to_have_count(len(_row_headers(table)))
    expect(panel.get_by_role("columnheader")).to_have_count(3 * len(sections))


def test_labvalues_panel_filters_rows_as_the_student_types(panel: Page):
    panel.get_by_label("Search lab values").press_sequentially("sodium")

    expect(panel.get_by_role("heading")).to_have_text(["Serum"])
    expect(panel.get_by_role("rowheader")).to_have_text(["Sodium"])
    expect(panel.get_by_role("cell")).to_have_text(["136–146 mEq/L", "136–146 mmol/L"])
    expect(panel.get_by_role("status")).to_have_text("")


def test_labvalues_panel_matches_section_names_ignoring_case(panel: Page, table: dict):
    panel.get_by_label("Search lab values").fill("URINE")

    expect(panel.get_by_role("heading")).to_have_text(["Urine"])
    expect(panel.get_by_role("rowheader")).to_have_text(_row_headers(table, "Urine"))


def test_labvalues_panel_formats_open_ranges(panel: Page):
    panel.get_by_label("Search lab values").fill("cholesterol, total")

    expect(panel.get_by_role("cell")).to_have_text(
        ["< 200 mg/dL", "< 5.2 mmol/L", "> 240 mg/dL", "> 6.2 mmol/L"]
    )


def test_labvalues_panel_shows_zero_bounds_plainly_and_marks_missing_si(panel: Page):
    panel.get_by_label("Search lab values").fill("basophils")

    expect(panel.get_by_role("cell")).to_have_text(["0–0.75% of leukocytes", "—No SI conversion"])


def test_labvalues_panel_says_when_nothing_matches(panel: Page):
    panel.get_by_label("Search lab values").fill("zzz")

    expect(panel.get_by_role("status")).to_have_text("No lab value matches “zzz”.")
    expect(panel.get_by_role("table")).to_have_count(0)
    expect(panel.get_by_role("rowheader")).to_have_count(0)


def test_labvalues_panel_clearing_the_search_restores_every_row(panel: Page, table: dict):
    search = panel.get_by_label("Search lab values")
    search.fill("zzz")
    expect(panel.get_by_role("table")).to_have_count(0)

    search.fill("")

    expect(panel.get_by_role("rowheader")).to_have_text(_row_headers(table))
    expect(panel.get_by_role("table")).to_have_count(len(table["sections"]))
    expect(panel.get_by_role("status")).to_have_text("")
