"""The normal laboratory values table students consult while answering questions.

The table is content, not code: it lives in lab_values.json beside this module so a reviewer
can check a range without reading Python, and so the exam page can hand the same data unchanged to
static/js/exam/labvalues.js.
"""

import json
from pathlib import Path

LAB_VALUES_PATH = Path(__file__).with_name("lab_values.json")


def lab_values() -> dict:
    """The whole table as parsed JSON.

    Read on every call rather than cached at import: the file is small, and an edited range
    then shows without restarting the server.
    """
    return json.loads(LAB_VALUES_PATH.read_text(encoding="utf-8"))


def _rows(table: dict) -> list[dict]:
    return [row for section in table["sections"] for row in section["rows"]]


def analytes() -> set[str]:
    """Every analyte name, lower-cased so callers can match names without caring about case."""
    return {row["analyte"].lower() for row in _rows(lab_values())}


def units() -> set[str]:
    """Every conventional and SI unit the table uses, so other content can be checked against
    the units students will find in the panel."""
    table_units = set()
    for row in _rows(lab_values()):
        table_units.add(row["conventional"]["unit"])
        if row["si"] is not None:
            table_units.add(row["si"]["unit"])
    return table_units
