import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest

from apps.questions.formats import csv_format
from apps.questions.formats.base import (
    FormatError,
    ImportSource,
    ItemDraft,
    ItemError,
    OptionDraft,
    ParseResult,
)
from tests.questions.formats.examples import ace_cough, sample

pytestmark = [pytest.mark.unit]

TEMPLATE = Path(__file__).parents[3] / "static" / "downloads" / "vignette-import-template.csv"

# The example row of the downloadable template.
IRON_DEFICIENCY = ItemDraft(
    position=1,
    stem=(
        "A 24-year-old woman has had fatigue and shortness of breath on exertion for 3 months. "
        "Her menstrual periods are heavy. Her hemoglobin concentration is 9.1 g/dL, mean "
        "corpuscular volume 72 μm³ and serum ferritin 6 ng/mL."
    ),
    lead_in="Which of the following is the most likely cause of her anemia?",
    options=[
        OptionDraft(
            "Anemia of chronic disease",
            "Ferritin is normal or high, because iron is held in macrophages.",
        ),
        OptionDraft(
            "Beta-thalassemia minor",
            "The cells are small but ferritin is normal: the iron stores are intact.",
        ),
        OptionDraft("Folate deficiency", "It causes a macrocytic anemia."),
        OptionDraft(
            "Iron deficiency",
            "Heavy periods drain iron; a low ferritin shows that the stores are empty.",
            correct=True,
        ),
        OptionDraft(
            "Vitamin B12 deficiency",
            "It causes a macrocytic anemia, often with numbness or unsteady gait.",
        ),
    ],
    markup="markdown",
    external_id="template-iron-deficiency",
    exam="step1",
    discipline="pathology",
    system="blood-lymphoreticular",
    tags=["anemia", "menorrhagia"],
    explanation=(
        "Heavy menstrual bleeding is a common cause of **iron deficiency** in young women. The "
        "anemia is microcytic, and a low serum ferritin is the most specific sign that the iron "
        "stores are depleted."
    ),
    objective="A low serum ferritin in a microcytic anemia means iron deficiency.",
    references=["Camaschella C. Iron-deficiency anemia. N Engl J Med. 2015;372(19):1832-1843."],
)


def table(*rows: list[str]) -> ImportSource:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return ImportSource("questions.csv", buffer.getvalue().encode())


HEADER = ["external_id", "stem", "lead_in", "option_a", "option_b", "option_c", "option_d",
          "explanation_e", "correct"]  # fmt: skip


def row(**cells: str) -> list[str]:
    """A sound row under HEADER; tests change the cells they are about."""
    values = {
        "external_id": "q-17",
        "stem": "A man has crushing chest pain.",
        "lead_in": "Which artery is occluded?",
        "option_a": "Right coronary artery",
        "option_b": "Left circumflex artery",
        "option_c": "",
        "option_d": "",
        "explanation_e": "",
        "correct": "A",
    } | cells
    return [values[name] for name in HEADER]


def test_parse_sample_file():
    result = csv_format.parse(sample("csv", "questions.csv"))

    assert result == ParseResult(
        items=[
            replace(ace_cough(position=1), uid="", title="", enemies=[]),
            ItemDraft(
                position=2,
                stem=(
                    "A 2-day-old boy born at home is bleeding from the umbilical stump. He "
                    "received no injections after birth.\n\nHis prothrombin time is prolonged."
                ),
                lead_in="Deficiency of which of the following vitamins is the most likely cause?",
                options=[
                    OptionDraft("Vitamin A"),
                    OptionDraft("Vitamin B12"),
                    OptionDraft("Vitamin C"),
                    OptionDraft("Vitamin D"),
                    OptionDraft("Vitamin K", correct=True),
                ],
                markup="markdown",
                external_id="vitamin-k",
                exam="step1",
                discipline="pediatrics",
                system="blood-lymphoreticular",
                tags=["newborn", "coagulation"],
                explanation=(
                    "Newborns have little vitamin K: it crosses the placenta poorly and breast "
                    "milk holds little."
                ),
                objective="Give vitamin K to every newborn.",
                references=[
                    "American Academy of Pediatrics. Controversies concerning vitamin K and the "
                    "newborn. Pediatrics. 2003;112(1):191-192.",
                    "Second reference",
                ],
            ),
        ]
    )


def test_parse_byte_order_mark_and_semicolons():
    text = "\ufeffstem;option_a;option_b;correct\r\nWhich artery?;RCA;LAD;a\r\n"

    result = csv_format.parse(ImportSource("questions.csv", text.encode("utf-8")))

    assert result == ParseResult(
        items=[
            ItemDraft(
                position=1,
                stem="Which artery?",
                lead_in="",
                options=[OptionDraft("RCA", correct=True), OptionDraft("LAD")],
                markup="markdown",
            )
        ]
    )


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"option_b": "", "option_c": "LAD"},
         "column option_b is empty but option_c is filled; fill the options from option_a on, "
         "without gaps."),
        ({"explanation_e": "Why E is wrong."},
         "column explanation_e explains an option, but option_e is empty."),
        ({"correct": ""}, "column correct is empty; give the letter of the right option."),
        ({"correct": "AB"}, "column correct holds 'AB'; give one letter, A to J."),
        ({"correct": "c"}, "column correct names option C, but the options are A–B."),
        ({"option_b": "right coronary  artery"}, "options A and B have the same text."),
    ],
)  # fmt: skip
def test_parse_row_errors_name_row_and_column(cells, message):
    result = csv_format.parse(table(HEADER, row(), row(**cells)))

    assert result.errors == [ItemError(2, "q-17", f"Row 3 (q-17): {message}")]
    assert [item.position for item in result.items] == [1]


def test_parse_row_with_extra_cells_is_an_error():
    result = csv_format.parse(table(HEADER, [*row(), "stray"]))

    assert result.errors == [
        ItemError(1, "q-17", "Row 2 (q-17): has 10 cells but the header has 9 columns.")
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty; it needs the header row and one row per item."),
        (b"stem,option_a,option_b,correct,difficulty\r\n",
         "Unknown column 'difficulty' in the header; the columns are: "
         + ", ".join(csv_format.HEADER) + "."),
        (b"stem,option_a,option_a,option_b,correct\r\n",
         "The column 'option_a' appears twice in the header."),
        (b"stem,option_a\r\n", "The header lacks the columns option_b, correct."),
        (b"stem,option_a,option_b,correct\r\n\"unclosed,a,b,A\r\n",
         "The file is not valid CSV: unexpected end of data."),
        (b"stem,option_a,option_b,correct\r\nCaf\xe9,a,b,A\r\n",
         "The file is not UTF-8 (invalid continuation byte at byte 35); save it as “CSV UTF-8” "
         "and upload it again."),
    ],
)  # fmt: skip
def test_parse_broken_file_raises_format_error(data, message):
    with pytest.raises(FormatError) as error:
        csv_format.parse(ImportSource("questions.csv", data))

    assert str(error.value) == message


def test_render_then_parse_gives_the_same_items():
    items = [IRON_DEFICIENCY, replace(ace_cough(), uid="", title="", enemies=[])]

    rendered = csv_format.render(items)

    assert (rendered.filename, rendered.content_type) == ("vignette-questions.csv", "text/csv")
    assert csv_format.parse(ImportSource("q.csv", rendered.data)) == ParseResult(items=items)


def test_template_is_the_documented_header_and_one_example():
    assert TEMPLATE.read_bytes() == csv_format.render([IRON_DEFICIENCY]).data
    assert csv_format.parse(ImportSource(TEMPLATE.name, TEMPLATE.read_bytes())) == ParseResult(
        items=[IRON_DEFICIENCY]
    )
