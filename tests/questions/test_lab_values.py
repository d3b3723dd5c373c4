import json
from decimal import Decimal

import pytest

from apps.questions.lab_values import LAB_VALUES_PATH, analytes, lab_values, units

pytestmark = [pytest.mark.unit]

SECTIONS = [
    "Serum",
    "Blood gases (arterial)",
    "Cerebrospinal fluid",
    "Hematologic",
    "Urine",
    "Body mass index",
]
ROW_KEYS = {"analyte", "specimen", "conventional", "si", "factor", "note"}
RANGE_KEYS = {"low", "high", "unit"}

# A stated SI bound may differ from conventional × factor by half a unit in its last written
# digit (2.6 mmol/L allows ±0.05; 53 µmol/L allows ±0.5): that is the rounding itself. The
# table's bounds are also round numbers in each unit system, so a bound may differ by up to 3%
# besides; fasting glucose 70 mg/dL is printed as 3.8 mmol/L, 2.2% below 70 × 0.0555. Anything
# further off is a wrong value or a wrong factor.
REL_TOL = Decimal("0.03")


def _rows(table: dict) -> list[dict]:
    return [row for section in table["sections"] for row in section["rows"]]


def _half_unit_in_last_place(stated: Decimal) -> Decimal:
    return Decimal(5).scaleb(stated.as_tuple().exponent - 1)


def test_lab_values_has_every_section_in_order():
    table = lab_values()

    assert [section["name"] for section in table["sections"]] == SECTIONS
    assert table["version"] == "2026-11"


def test_lab_values_rows_have_every_key_and_a_unit():
    problems = []
    for row in _rows(lab_values()):
        name = row["analyte"]
        if set(row) != ROW_KEYS:
            problems.append(f"{name}: keys {sorted(row)}")
        ranges = [row["conventional"]] if row["si"] is None else [row["conventional"], row["si"]]
        for bounds in ranges:
            if set(bounds) != RANGE_KEYS or not bounds["unit"].strip():
                problems.append(f"{name}: range {bounds}")
            if bounds["low"] is None and bounds["high"] is None:
                problems.append(f"{name}: no bound at all")
        if (row["si"] is None) != (row["factor"] is None):
            problems.append(f"{name}: an SI range needs a factor and a factor needs an SI range")
        if not name.strip() or not row["specimen"].strip():
            problems.append(f"{name!r}: empty analyte or specimen")

    assert problems == []


def test_lab_values_low_bounds_do_not_exceed_high_bounds():
    inverted = [
        (row["analyte"], bounds)
        for row in _rows(lab_values())
        for bounds in (row["conventional"], row["si"])
        if bounds is not None
        and bounds["low"] is not None
        and bounds["high"] is not None
        and bounds["low"] > bounds["high"]
    ]

    assert inverted == []


def test_lab_values_si_bounds_are_the_conventional_bounds_times_the_factor():
    # Decimals keep the precision each number is written with ("1.70" is not "1.7").
    table = json.loads(
        LAB_VALUES_PATH.read_text(encoding="utf-8"), parse_float=Decimal, parse_int=Decimal
    )

    mismatches = []
    for row in _rows(table):
        if row["factor"] is None:
            continue
        for bound in ("low", "high"):
            conventional, stated = row["conventional"][bound], row["si"][bound]
            if (conventional is None) != (stated is None):
                mismatches.append(f"{row['analyte']} {bound}: open on one side only")
                continue
            if conventional is None:
                continue
            converted = conventional * row["factor"]
            allowed = max(_half_unit_in_last_place(stated), REL_TOL * abs(stated))
            if abs(converted - stated) > allowed:
                mismatches.append(f"{row['analyte']} {bound}: {converted} is not {stated}")

    assert mismatches == []


def test_lab_values_analyte_names_are_unique_within_a_section():
    duplicates = {}
    for section in lab_values()["sections"]:
        names = [row["analyte"] for row in section["rows"]]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            duplicates[section["name"]] = repeated

    assert duplicates == {}


def test_analytes_are_lower_cased_names():
    hemoglobin = sorted(name for name in analytes() if name.startswith("hemoglobin"))

    assert hemoglobin == ["hemoglobin a1c", "hemoglobin, female", "hemoglobin, male"]


def test_units_include_both_conventional_and_si_units():
    per_litre_counts = {unit for unit in units() if unit.startswith("× 10")}
    mmol = {unit for unit in units() if unit.startswith("mmol")}

    assert per_litre_counts == {"× 10⁶/L", "× 10⁹/L", "× 10¹²/L"}
    assert mmol == {"mmol/L", "mmol/24 h"}
