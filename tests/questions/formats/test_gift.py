import pytest

from apps.questions.formats import gift
from apps.questions.formats.base import (
    FormatError,
    ImportSource,
    ItemDraft,
    ItemError,
    OptionDraft,
    ParseResult,
    SkippedItem,
)
from tests.questions.formats.examples import ace_cough, sample

pytestmark = [pytest.mark.unit]

SUPPORTED = "are not supported; only multiple-choice questions with one right answer are."


def parse_text(text: str) -> ParseResult:
    return gift.parse(ImportSource("questions.gift", text.encode()))


def test_parse_sample_file():
    result = gift.parse(sample("gift", "questions.gift"))

    cough = ace_cough()
    assert result == ParseResult(
        items=[
            ItemDraft(
                position=1,
                stem=f"{cough.stem} {cough.lead_in}",
                lead_in="",
                options=cough.options,
                markup="markdown",
                title="ace-cough",
                explanation=(
                    "ACE inhibitors such as lisinopril raise bradykinin levels, which causes a "
                    "dry cough."
                ),
            ),
            ItemDraft(
                position=2,
                stem=(
                    "<p>A 70-year-old man taking warfarin has an INR of 9 and is bleeding from "
                    "the gums.</p><p>Which of the following reverses warfarin's effect most "
                    "quickly?</p>"
                ),
                lead_in="",
                options=[
                    OptionDraft("Vitamin K by mouth", "It takes about a day to work."),
                    OptionDraft(
                        "Prothrombin complex concentrate",
                        "It replaces factors II, VII, IX and X at once.",
                        correct=True,
                    ),
                    OptionDraft("Protamine sulfate", "It reverses heparin, not warfarin."),
                    OptionDraft("Stopping warfarin {and waiting}", "Too slow when he is bleeding."),
                ],
                title="Warfarin: reversal",
            ),
        ],
        errors=[
            ItemError(9, "Two keys",
                      "Item 9 (Two keys): 2 options are marked correct; exactly one must be.")
        ],
        skipped=[
            SkippedItem(3, "Aspirin", f"GIFT true/false questions {SUPPORTED}"),
            SkippedItem(4, "Pneumonia", f"GIFT short-answer questions {SUPPORTED}"),
            SkippedItem(5, "Antidotes", f"GIFT matching questions {SUPPORTED}"),
            SkippedItem(6, "Potassium", f"GIFT numerical questions {SUPPORTED}"),
            SkippedItem(7, "Heparin", f"GIFT essay questions {SUPPORTED}"),
            SkippedItem(8, "Digoxin",
                        f"GIFT missing-word questions (text after the answers) {SUPPORTED}"),
        ],
    )  # fmt: skip


def test_parse_default_format_keeps_line_breaks_and_html():
    result = parse_text("Which artery\\nsupplies the <b>inferior</b> wall?\n{=RCA ~LAD}")

    assert result.items[0].stem == "Which artery<br>supplies the <b>inferior</b> wall?"


def test_parse_plain_format_escapes_markup():
    result = parse_text("[plain]Is K+ <3.5 low?{=Yes ~No}")

    assert (result.items[0].markup, result.items[0].stem) == ("html", "Is K+ &lt;3.5 low?")


def test_parse_full_weight_marks_the_key():
    result = parse_text("Which drug is a loop diuretic?{~%100%Furosemide ~%0%Spironolactone}")

    assert result.items[0].options == [
        OptionDraft("Furosemide", correct=True),
        OptionDraft("Spironolactone"),
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Beta-lactams?{~%50%Penicillin ~%50%Cefazolin ~%-100%Vancomycin}",
         f"GIFT answers with partial credit (50%, 50%) {SUPPORTED}"),
        ("The next questions are about the kidney.",
         f"GIFT descriptions (text without answers) {SUPPORTED}"),
        ("Heart sounds?{FALSE#S3 can be normal in the young.}",
         f"GIFT true/false questions {SUPPORTED}"),
    ],
)  # fmt: skip
def test_parse_unsupported_kinds_are_skipped(text, reason):
    assert parse_text(text) == ParseResult(skipped=[SkippedItem(1, "", reason)])


def test_parse_unclosed_answers_is_an_error():
    result = parse_text("::Open::Which artery?{=RCA ~LAD")

    message = "Item 1 (Open): the answer block opened with '{' is never closed."
    assert result == ParseResult(errors=[ItemError(1, "Open", message)])


def test_parse_comment_lines_inside_a_question_are_dropped():
    result = parse_text("Which artery?\n// the inferior wall\n{=RCA ~LAD}")

    assert result.items[0].stem == "Which artery?"


def test_parse_non_utf8_is_refused():
    with pytest.raises(FormatError) as error:
        gift.parse(ImportSource("questions.gift", b"Caf\xe9?{=a ~b}"))

    assert str(error.value) == "The file is not UTF-8 text: invalid continuation byte at byte 3."
