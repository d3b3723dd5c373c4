import pytest

from apps.questions.formats.base import ItemDraft, ItemError, OptionDraft, ParseResult
from apps.questions.formats.checks import Where, collect, draft_problems, is_blank

pytestmark = [pytest.mark.unit]


def draft(*options: OptionDraft, stem: str = "A man has chest pain.", lead_in: str = "Why?"):
    return ItemDraft(position=3, stem=stem, lead_in=lead_in, options=list(options))


RIGHT = OptionDraft("Right coronary artery", correct=True)
WRONG = OptionDraft("Left circumflex artery")


def test_draft_problems_none_for_a_sound_item():
    assert draft_problems(draft(RIGHT, WRONG)) == []


@pytest.mark.parametrize(
    ("item", "problems"),
    [
        (draft(RIGHT, WRONG, stem="<p> </p>", lead_in="&nbsp;"),
         ["the stem and the lead-in are both empty; one of them needs text."]),
        (draft(RIGHT), ["has 1 option; an item needs 2 to 10."]),
        (draft(RIGHT, *[OptionDraft(f"Drug {n}") for n in range(10)]),
         ["has 11 options; an item needs 2 to 10."]),
        (draft(RIGHT, OptionDraft("<p></p>")), ["option B has no text."]),
        (draft(RIGHT, WRONG, OptionDraft("left  CIRCUMFLEX artery"),
               OptionDraft("LEFT circumflex artery")),
         ["options B, C and D have the same text."]),
        (draft(OptionDraft("A"), OptionDraft("B")),
         ["no option is marked correct; exactly one must be."]),
        (draft(RIGHT, OptionDraft("LAD", correct=True), OptionDraft("LCX", correct=True)),
         ["3 options are marked correct; exactly one must be."]),
        (draft(), ["has 0 options; an item needs 2 to 10."]),
    ],
)  # fmt: skip
def test_draft_problems_each_rule(item, problems):
    assert draft_problems(item) == problems


def test_is_blank_counts_an_image_as_content():
    assert is_blank("<p>&nbsp;</p>")
    assert not is_blank('<img src="ecg.png" alt="">')
    assert not is_blank("![ECG](ecg.png)")


def test_collect_turns_problems_into_located_errors():
    result = ParseResult()

    collect(result, draft(RIGHT), Where(3, "q-17"))

    assert result == ParseResult(
        errors=[ItemError(3, "q-17", "Item 3 (q-17): has 1 option; an item needs 2 to 10.")]
    )


def test_collect_reports_format_problems_instead_of_the_rules():
    result = ParseResult()

    collect(result, draft(RIGHT), Where(3), ["the image 'x.png' is not in the upload."])

    assert result.errors == [ItemError(3, "", "Item 3: the image 'x.png' is not in the upload.")]


def test_where_names_rows_by_their_spreadsheet_number():
    assert str(Where(1, "q-1", noun="Row", number=2)) == "Row 2 (q-1)"
