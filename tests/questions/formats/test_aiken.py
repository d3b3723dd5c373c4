import pytest

from apps.questions.formats import aiken
from apps.questions.formats.base import (
    FormatError,
    ImportSource,
    ItemDraft,
    ItemError,
    OptionDraft,
    ParseResult,
)
from tests.questions.formats.examples import sample

pytestmark = [pytest.mark.unit]


def parse_text(text: str) -> ParseResult:
    return aiken.parse(ImportSource("questions.txt", text.encode()))


def test_parse_sample_file():
    result = aiken.parse(sample("aiken", "questions.txt"))

    assert result == ParseResult(
        items=[
            ItemDraft(
                position=1,
                stem=(
                    "A 2-day-old boy born at home is bleeding from the umbilical stump. He "
                    "received no injections after birth. Deficiency of which of the following "
                    "vitamins is the most likely cause?"
                ),
                lead_in="",
                options=[
                    OptionDraft("Vitamin A"),
                    OptionDraft("Vitamin B12"),
                    OptionDraft("Vitamin C"),
                    OptionDraft("Vitamin D"),
                    OptionDraft("Vitamin K", correct=True),
                ],
            ),
            ItemDraft(
                position=2,
                stem=(
                    "A climber at 4500 m breathes fast. His arterial pH is 7.52 and his PCO2 is "
                    "28 mm Hg (normal 35-45).<br>Which of the following best describes his "
                    "acid-base status?"
                ),
                lead_in="",
                options=[
                    OptionDraft("Metabolic acidosis"),
                    OptionDraft("Metabolic alkalosis"),
                    OptionDraft("Respiratory acidosis"),
                    OptionDraft("Respiratory alkalosis", correct=True),
                ],
            ),
        ]
    )


def test_parse_escapes_markup_characters():
    result = parse_text("Is K+ <3.5 mEq/L & low?\nA. Yes\nB. No\nANSWER: A")

    assert result.items[0].stem == "Is K+ &lt;3.5 mEq/L &amp; low?"


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        ("Which artery?\nA. RCA\nB. LAD",
         [ItemError(1, "", "Item 1: the options are not followed by an 'ANSWER:' line.")]),
        ("Which artery?\nA. RCA\nB. LAD\nWhich vitamin?\nA. K\nB. C\nANSWER: A",
         [ItemError(1, "", "Item 1: the options are not followed by an 'ANSWER:' line.")]),
        ("Which artery?\nA. RCA\nB. LAD\nANSWER: E",
         [ItemError(1, "", "Item 1: 'ANSWER: E' names no option; the options are A, B.")]),
        ("Which artery?\nA. RCA\nB. LAD\nANSWER: AB",
         [ItemError(1, "", "Item 1: 'ANSWER: AB' must name one option letter, such as A.")]),
        ("Which artery?\nA. RCA\nANSWER: A",
         [ItemError(1, "", "Item 1: has 1 option; an item needs 2 to 10.")]),
        ("Which artery?\nA. RCA\nA. LAD\nANSWER: A",
         [ItemError(1, "", "Item 1: the option letter A is used twice.")]),
        ("Which artery is occluded?",
         [ItemError(1, "", "Item 1: the question has no options and no 'ANSWER:' line.")]),
    ],
)  # fmt: skip
def test_parse_errors(text, errors):
    assert parse_text(text).errors == errors


def test_parse_after_a_missing_answer_reads_the_next_item():
    result = parse_text("Which artery?\nA. RCA\nB. LAD\nWhich vitamin?\nA. K\nB. C\nANSWER: A")

    assert [(item.position, item.stem) for item in result.items] == [(2, "Which vitamin?")]


def test_parse_non_utf8_is_refused():
    with pytest.raises(FormatError) as error:
        aiken.parse(ImportSource("questions.txt", b"\xff"))

    assert str(error.value) == "The file is not UTF-8 text: invalid start byte at byte 0."
