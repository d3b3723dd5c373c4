"""The item-writing checker: every rule fires on the fault it names and stays quiet on a
near-identical sound item; waivers mark findings without hiding them; the bank summary counts
keys and coverage and speaks up only when the keys lean on one letter."""

import dataclasses

import pytest

from apps.questions import item_checks
from apps.questions.formats.base import ImageDraft, ItemDraft, OptionDraft
from apps.questions.item_checks import (
    ERROR,
    RULES,
    WARNING,
    BankSummary,
    Finding,
    item_findings,
    waiver_problems,
)
from tests.questions.conftest import make_draft, png_bytes

pytestmark = [pytest.mark.unit]

# A vetted list of our own, so most tests do not depend on the starter bank's.
VETTED = ("Hall JE, Hall ME. A Vetted Textbook of Physiology. 14th ed. Elsevier; 2021.",)
UNVETTED = "Robbins Basic Pathology, 10th ed."

KEY = "Left anterior descending artery"
DISTRACTORS = (
    "Right coronary artery",
    "Left circumflex artery",
    "Posterior descending artery",
    "Left main coronary artery",
)
VIGNETTE = "A 58-year-old man has crushing chest pain for 2 hours. **ECG**: ST elevation."
LAB_OPENING = "A 34-year-old woman has had fatigue for 3 months. Laboratory studies show:"


# --- Building items --------------------------------------------------------------------------


def options(*texts: str, key: int = 0) -> list[OptionDraft]:
    """Options with an explanation each, the one at `key` correct."""
    return [
        OptionDraft(text, f"{'Right' if i == key else 'Wrong'}: {text}.", i == key)
        for i, text in enumerate(texts)
    ]


def item(**changes) -> ItemDraft:
    """A sound item that breaks no rule; a test changes only what it is about."""
    values = {
        "stem": VIGNETTE,
        "options": options(KEY, *DISTRACTORS),
        "references": list(VETTED),
    }
    return make_draft(**{**values, **changes})


def with_option(index: int, text: str) -> list[OptionDraft]:
    """The sound item's options with one option's text replaced."""
    texts = [KEY, *DISTRACTORS]
    texts[index] = text
    return options(*texts)


def findings(draft: ItemDraft, *, waivers=None, vetted=VETTED) -> list[Finding]:
    if waivers is not None:
        draft = dataclasses.replace(draft, waivers=waivers)
    return item_findings(draft, vetted=vetted)


def rules(draft: ItemDraft, **kwargs) -> list[str]:
    return [finding.rule for finding in findings(draft, **kwargs)]


def only(draft: ItemDraft, rule: str, **kwargs) -> Finding:
    """The one finding the draft has, after checking it is of `rule`."""
    found = findings(draft, **kwargs)
    assert [finding.rule for finding in found] == [rule], found
    return found[0]


def table(*rows: tuple[str, ...], header: tuple[str, ...] = ("Test", "Result")) -> str:
    """A Markdown table."""
    lines = [header, ("---",) * len(header), *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def lab_item(*rows: tuple[str, ...], header=("Test", "Result"), after: str = "") -> ItemDraft:
    return item(stem=f"{LAB_OPENING}\n\n{table(*rows, header=header)}\n\n{after}".strip())


# --- The item as a whole ---------------------------------------------------------------------


def test_rules_are_the_ones_this_file_covers():
    assert list(RULES) == [
        "explanations",
        "objective",
        "of-the-above",
        "option-count",
        "key-length",
        "duplicate-options",
        "absolute-words",
        "lead-in",
        "age-sex",
        "lab-table",
        "alt-text",
        "references",
    ]


def test_a_sound_item_has_no_findings():
    assert findings(item()) == []


def test_findings_come_in_the_order_of_the_rules():
    draft = item(
        objective="",
        lead_in="Identify the occluded artery.",
        stem="A 58-year-old has crushing chest pain for 2 hours.",
        references=[UNVETTED],
    )

    assert rules(draft) == ["objective", "lead-in", "age-sex", "references"]


# --- explanations ----------------------------------------------------------------------------


@pytest.mark.parametrize("explanation", ["", "   "])
def test_explanations_fires_on_an_option_without_one(explanation):
    draft = item()
    draft.options[1].explanation = explanation

    finding = only(draft, "explanations")

    assert finding.message == "Option B has no explanation."
    assert finding.severity == WARNING


def test_explanations_names_every_option_without_one():
    draft = item()
    draft.options[1].explanation = ""
    draft.options[3].explanation = ""

    assert only(draft, "explanations").message == "Options B, D have no explanation."


def test_explanations_passes_when_every_option_has_one():
    assert "explanations" not in rules(item())


# --- objective -------------------------------------------------------------------------------


@pytest.mark.parametrize("objective", ["", "  \n "])
def test_objective_fires_on_an_item_without_one(objective):
    assert only(item(objective=objective), "objective").message == "The item has no objective."


def test_objective_passes_with_one():
    assert "objective" not in rules(item(objective="Match ECG leads to coronary territories."))


# --- of-the-above ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("None of the above", "None of the above"),
        ("All of the above", "All of the above"),
        ("Both of the options", "Both of the options"),
        ("neither of the above", "neither of the above"),
    ],
)
def test_of_the_above_fires(text, said):
    finding = only(item(options=with_option(4, text)), "of-the-above")

    assert finding.message == f"Option E says “{said}”."


@pytest.mark.parametrize("text", ["Left main coronary artery", "Artery above the aortic valve"])
def test_of_the_above_passes_on_an_ordinary_option(text):
    assert "of-the-above" not in rules(item(options=with_option(4, text)))


# --- option-count ----------------------------------------------------------------------------


def numbered(count: int) -> list[OptionDraft]:
    """`count` distinct options of much the same length."""
    return options(*(f"Coronary branch {n}" for n in range(1, count + 1)))


@pytest.mark.parametrize("count", [2, 3, 10])
def test_option_count_warns_outside_4_to_9(count):
    finding = only(item(options=numbered(count)), "option-count")

    assert finding.message == f"{count} options; write 4 to 9."
    assert finding.severity == WARNING


@pytest.mark.parametrize(("count", "said"), [(1, "1 option"), (11, "11 options")])
def test_option_count_is_an_error_outside_2_to_10(count, said):
    finding = only(item(options=numbered(count)), "option-count")

    assert finding.message == f"{said}; an item needs 2 to 10."
    assert finding.severity == ERROR


@pytest.mark.parametrize("count", [4, 5, 9])
def test_option_count_passes_from_4_to_9(count):
    assert "option-count" not in rules(item(options=numbered(count)))


# --- key-length ------------------------------------------------------------------------------


def test_key_length_fires_on_a_key_much_longer_than_the_others():
    key = "Left anterior descending artery, which supplies the anterior wall"
    finding = only(item(options=with_option(0, key)), "key-length")

    assert finding.message.startswith(f"The key has {len(key)} characters, ")
    assert finding.message.endswith("× the others' mean of 24: a length cue.")


@pytest.mark.parametrize(("key_length", "fires"), [(30, False), (31, True)])
def test_key_length_allows_up_to_one_and_a_half_times_the_mean(key_length, fires):
    draft = item(options=options("k" * key_length, "b" * 20, "c" * 20, "d" * 20))

    assert ("key-length" in rules(draft)) is fires


def test_key_length_passes_on_a_key_of_ordinary_length():
    assert "key-length" not in rules(item())


def test_key_length_is_not_judged_without_a_single_key():
    draft = item(options=options("k" * 60, "b" * 20, "c" * 20, "d" * 20))
    draft.options[1].correct = True

    assert "key-length" not in rules(draft)


# --- duplicate-options -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["Right coronary artery", "right  coronary artery.", "RIGHT coronary artery"]
)
def test_duplicate_options_fires_on_options_that_say_the_same(text):
    finding = only(item(options=with_option(3, text)), "duplicate-options")

    assert finding.message == "Options B and D say the same."
    assert finding.severity == ERROR


def test_duplicate_options_passes_on_options_that_differ():
    assert "duplicate-options" not in rules(item(options=with_option(3, "Right marginal artery")))


# --- absolute-words --------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["always", "never", "only", "Always"])
def test_absolute_words_fires_on_a_distractor_the_key_does_not_match(word):
    draft = item(options=with_option(2, f"{word} the left circumflex artery"))

    finding = only(draft, "absolute-words")

    assert finding.message == (
        f"Option C says “{word}” and the key does not: a cue that it is wrong."
    )


def test_absolute_words_lists_each_distractor():
    draft = item(
        options=options(
            KEY,
            "Always the right coronary artery",
            "Left circumflex artery",
            "Only the posterior descending artery",
        )
    )

    assert [(f.rule, f.message) for f in findings(draft)] == [
        ("absolute-words", "Option B says “Always” and the key does not: a cue that it is wrong."),
        ("absolute-words", "Option D says “Only” and the key does not: a cue that it is wrong."),
    ]


def test_absolute_words_passes_when_the_key_has_one_too():
    draft = item(
        options=options(
            "Always the left anterior descending",
            "Always the right coronary artery",
            "Left circumflex artery",
            "Posterior descending artery",
        )
    )

    assert "absolute-words" not in rules(draft)


def test_absolute_words_passes_without_them():
    assert "absolute-words" not in rules(item(options=with_option(2, "The left circumflex artery")))


# --- lead-in ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lead_in", ["Which artery is most likely occluded", "Identify the occluded artery."]
)
def test_lead_in_fires_when_it_is_not_a_question(lead_in):
    finding = only(item(lead_in=lead_in), "lead-in")

    assert finding.message == "The lead-in is not a question (it does not end with “?”)."


@pytest.mark.parametrize(
    "lead_in",
    [
        "Which artery is most likely occluded?",
        "Which artery is **most likely** occluded?",
        "Which artery is most likely occluded? ",
    ],
)
def test_lead_in_passes_when_it_is_a_question(lead_in):
    assert "lead-in" not in rules(item(lead_in=lead_in))


# --- age-sex ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stem", "missing"),
    [
        ("A 58-year-old has crushing chest pain for 2 hours.", "sex"),
        ("A man has crushing chest pain for 2 hours.", "age"),
        ("A patient has crushing chest pain for 2 hours.", "age or sex"),
        ("A 58-year-old has crushing chest pain for 2 hours. The man is pale.", "sex"),
        ("A previously healthy man has crushing chest pain for 2 hours.", "age"),
    ],
)
def test_age_sex_fires_when_the_first_sentence_lacks_them(stem, missing):
    finding = only(item(stem=stem), "age-sex")

    assert finding.message == f"The vignette's first sentence does not give the {missing}."


@pytest.mark.parametrize(
    "stem",
    [
        # The first sentence ends in a capital or a symbol; the sex comes only in the second.
        "A 58-year-old comes to the ED. The man has crushing chest pain.",
        "A 58-year-old has a temperature of 39°C. The woman is flushed.",
    ],
)
def test_age_sex_reads_only_the_first_sentence_however_it_ends(stem):
    finding = only(item(stem=stem), "age-sex")

    assert finding.message == "The vignette's first sentence does not give the sex."


@pytest.mark.parametrize(
    "stem",
    [
        "A 58-year-old man has crushing chest pain for 2 hours.",
        "A previously healthy 58-year-old man has crushing chest pain for 2 hours.",
        "An 18-month-old girl has had a fever for 2 days.",
        "A 28-year-old primigravida at 30 weeks' gestation has headaches.",
        "A newborn boy is cyanotic.",
    ],
)
def test_age_sex_passes_when_the_first_sentence_gives_both(stem):
    assert "age-sex" not in rules(item(stem=stem))


@pytest.mark.parametrize(
    "stem",
    [
        "A laboratory experiment measures enzyme activity in cultured hepatocytes.",
        "A researcher incubates hepatocytes with increasing doses of acetaminophen.",
        "A randomized controlled trial compares a new statin with placebo in 4000 adults.",
        "A clinical trial enrolls 300 men with hypertension.",
        "The graph shows the oxygen-hemoglobin dissociation curve.",
    ],
)
def test_age_sex_leaves_a_stem_without_a_patient_alone(stem):
    assert "age-sex" not in rules(item(stem=stem))


# --- lab-table -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "row",
    [
        ("AST", "30 U/L"),
        ("Aspartate aminotransferase", "30 U/L"),
        ("Hemoglobin", "9.0 g/dL"),
        ("Hemoglobin", "90 g/L"),
        ("Ferritin", "8 ng/mL"),
        ("Arterial PCO₂", "40 mm Hg"),
        ("pH", "7.40"),
        ("Leukocyte count", "12,000/mm³"),
        ("Hematocrit", "28%"),
        ("Prothrombin time", "12 sec"),
        ("Serum sodium", "140 mEq/L"),
        ("Blood urea nitrogen", "20 mg/dL"),
        ("TSH", "2.0 μU/mL"),
    ],
)
def test_lab_table_passes_an_analyte_of_the_panel_in_its_unit(row):
    assert "lab-table" not in rules(lab_item(row))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ("Hemoglobin", "9.0 mg/dL"),
            "“Hemoglobin” in “mg/dL”: the panel gives it in g/dl or g/l; use that unit or give "
            "the reference range.",
        ),
        (
            ("AST", "30 mg/dL"),
            "“AST” in “mg/dL”: the panel gives it in u/l; use that unit or give the reference "
            "range.",
        ),
        (
            ("Arterial PCO₂", "40"),
            "“Arterial PCO₂” in “no unit”: the panel gives it in kpa or mmhg; use that unit or "
            "give the reference range.",
        ),
    ],
)
def test_lab_table_fires_on_a_wrong_unit(row, message):
    assert only(lab_item(row), "lab-table").message == message


def test_lab_table_reports_a_row_once_however_many_values_are_wrong():
    draft = lab_item(
        ("Creatinine", "1.0 mg/dL", "2.5 mg/L", "3.1 mg/L"),
        header=("Serum", "Day 1", "Day 2", "Day 3"),
    )

    assert only(draft, "lab-table").message.startswith("“Creatinine” in “mg/L”")


def test_lab_table_fires_on_an_analyte_not_on_the_panel():
    finding = only(lab_item(("AST", "30 U/L"), ("Lactate", "4.0 mmol/L")), "lab-table")

    assert finding.message == "“Lactate” is not on the lab values panel; give its reference range."


@pytest.mark.parametrize(
    "value", ["4.0 mmol/L (reference 0.5–2.2 mmol/L)", "4.0 mmol/L (normal 0.5–2.2 mmol/L)"]
)
def test_lab_table_passes_an_analyte_not_on_the_panel_with_its_range(value):
    assert "lab-table" not in rules(lab_item(("AST", "30 U/L"), ("Lactate", value)))


def test_lab_table_passes_an_analyte_whose_range_the_stem_gives():
    draft = lab_item(
        ("Lactate", "4.0 mmol/L"), after="Her lactate (reference 0.5–2.2 mmol/L) is rechecked."
    )

    assert "lab-table" not in rules(draft)


@pytest.mark.parametrize(
    "stem",
    [
        # A lactate without a range, beside another analyte's "(normal …)": the other row's
        # range must not excuse it.
        f"{LAB_OPENING}\n\n"
        + table(("Lactate", "4 mmol/L"), ("Procalcitonin", "3 ng/mL (normal < 0.5 ng/mL)")),
        # A lactate without a range, and prose after the table that says "normal".
        f"{LAB_OPENING}\n\n" + table(("Lactate", "4 mmol/L")) + "\n\nAn ECG is normal.",
    ],
)
def test_lab_table_is_not_excused_by_another_rows_or_sentences_range(stem):
    messages = [f.message for f in findings(item(stem=stem)) if f.rule == "lab-table"]

    assert "“Lactate” is not on the lab values panel; give its reference range." in messages


def test_lab_table_reads_html_tables_too():
    stem = (
        f"<p>{LAB_OPENING}</p><table><tr><th>Test</th><th>Result</th></tr>"
        "<tr><td>AST</td><td>30 U/L</td></tr><tr><td>Hemoglobin</td><td>9 mg/dL</td></tr>"
        "</table>"
    )

    finding = only(item(markup="html", stem=stem), "lab-table")

    assert finding.message.startswith("“Hemoglobin” in “mg/dL”")


@pytest.mark.parametrize(
    ("header", "rows"),
    [
        (("Test result", "Disease", "No disease"), [("Positive", "90", "10")]),
        (("Test result", "Disease", "No disease"), [("Negative", "10", "90")]),
        (("Outcome", "Drug", "Placebo"), [("Myocardial infarction", "12", "20")]),
        (("Outcome", "Drug", "Placebo"), [("Death", "3 %", "5 mg/dL")]),
    ],
)
def test_lab_table_leaves_2_by_2_and_trial_tables_alone(header, rows):
    assert "lab-table" not in rules(lab_item(*rows, header=header))


# --- alt-text --------------------------------------------------------------------------------


@pytest.mark.parametrize("alt", ["", "   "])
def test_alt_text_fires_on_an_image_draft_without_alt(alt):
    draft = item(images=[ImageDraft("ecg.png", png_bytes(), alt=alt)])

    assert only(draft, "alt-text").message == "Image “ecg.png” has no alt text."


def test_alt_text_passes_an_image_draft_with_alt():
    draft = item(images=[ImageDraft("ecg.png", png_bytes(), alt="ECG with anterior ST elevation")])

    assert "alt-text" not in rules(draft)


@pytest.mark.parametrize("where", ["stem", "explanation"])
def test_alt_text_fires_on_a_markdown_image_with_empty_alt(where):
    draft = item(**{where: "An ECG is obtained.\n\n![](x.png)"})

    assert only(draft, "alt-text").message.endswith("has no alt text.")


@pytest.mark.parametrize("where", ["stem", "explanation"])
def test_alt_text_passes_a_markdown_image_with_alt(where):
    draft = item(**{where: "An ECG is obtained.\n\n![ECG with ST elevation](x.png)"})

    assert "alt-text" not in rules(draft)


@pytest.mark.parametrize(
    ("tag", "fires"),
    [
        ('<img src="/media/questions/ecg.png">', True),
        ('<img src="/media/questions/ecg.png" alt="">', True),
        ('<img src="/media/questions/ecg.png" alt=" ">', True),
        ('<img src="/media/questions/ecg.png" alt="ECG with ST elevation">', False),
    ],
)
def test_alt_text_reads_html_images(tag, fires):
    draft = item(markup="html", stem=f"<p>A 58-year-old man has chest pain.</p>{tag}")

    found = [f.message for f in findings(draft) if f.rule == "alt-text"]

    assert found == (["Image “ecg.png” has no alt text."] if fires else [])


# --- references ------------------------------------------------------------------------------


def test_references_fires_on_a_reference_not_on_the_vetted_list():
    finding = only(item(references=[*VETTED, UNVETTED]), "references")

    assert finding.message == f"“{UNVETTED}” is not on the vetted reference list."


def test_references_passes_a_reference_on_the_vetted_list():
    assert "references" not in rules(item(references=list(VETTED)))


def test_references_ignores_differences_of_whitespace():
    spaced = VETTED[0].replace(" ", "  ").replace(". ", ".\n", 1)

    assert "references" not in rules(item(references=[spaced]))


def test_references_quotes_at_most_80_characters():
    long = "Author A. " + "A very long title, " * 10

    finding = only(item(references=[long]), "references")

    assert finding.message == f"“{long[:80]}” is not on the vetted reference list."


def test_references_with_an_empty_vetted_list_fires_on_every_reference():
    assert rules(item(references=[*VETTED, UNVETTED]), vetted=[]) == ["references"] * 2


def test_references_use_the_starter_banks_vetted_list_by_default():
    vetted = item_checks.vetted_citations()
    assert vetted, "the starter bank has a vetted reference list"

    assert item_findings(item(references=[vetted[0]])) == []
    finding = item_findings(item(references=[vetted[0], UNVETTED]))[0]
    assert (finding.rule, finding.message) == (
        "references",
        f"“{UNVETTED}” is not on the vetted reference list.",
    )


# --- Waivers ---------------------------------------------------------------------------------


def test_a_waived_finding_is_still_reported_with_its_reason():
    draft = item(objective="", lead_in="Identify the occluded artery.")

    found = findings(draft, waivers={"objective": "  Recall item; the stem is the objective. "})

    assert [(f.rule, f.waived, f.waiver) for f in found] == [
        ("objective", True, "Recall item; the stem is the objective."),
        ("lead-in", False, ""),
    ]


def test_a_waiver_with_a_blank_reason_waives_nothing():
    found = findings(item(objective=""), waivers={"objective": "   "})

    assert [(f.rule, f.waived) for f in found] == [("objective", False)]


def test_a_waiver_of_a_rule_the_item_keeps_adds_no_finding():
    assert findings(item(), waivers={"objective": "Recall item."}) == []


def test_waiver_problems_refuses_an_unknown_rule():
    problems = waiver_problems({"length-cue": "The key must be long."})

    assert len(problems) == 1
    assert problems[0].startswith("“length-cue” is not a checker rule; the rules are ")
    assert "key-length" in problems[0]


@pytest.mark.parametrize("reason", ["", "   "])
def test_waiver_problems_refuses_an_empty_reason(reason):
    assert waiver_problems({"key-length": reason}) == [
        "The waiver of “key-length” needs a written reason."
    ]


def test_waiver_problems_accepts_a_known_rule_with_a_reason():
    assert waiver_problems({"key-length": "The key is a longer drug name.", "lead-in": "Hi."}) == []


def test_waiver_problems_lists_every_problem():
    assert len(waiver_problems({"nonsense": "x", "objective": "", "lead-in": "ok"})) == 2


# --- The bank summary ------------------------------------------------------------------------


def keyed(letter: str, count: int = 4, **changes) -> ItemDraft:
    """An item of `count` options keyed at `letter`."""
    return item(
        options=options(
            *(f"Coronary branch {n}" for n in range(count)), key="ABCDEFGHIJ".index(letter)
        ),
        **changes,
    )


def bank(keys: str) -> BankSummary:
    summary = BankSummary()
    for letter in keys:
        summary.add(keyed(letter))
    return summary


def test_bank_summary_counts_keys_and_coverage():
    summary = BankSummary()
    summary.add(keyed("A", exam="step1", discipline="pathology", system="cardiovascular"))
    summary.add(keyed("B", exam="step1", discipline="physiology", system="renal"))
    summary.add(keyed("A", exam="step1", discipline="pathology", system="renal"))
    summary.add(keyed("E", count=5, exam="step2", discipline="medicine", system="renal"))

    assert summary.items == 4
    assert summary.keys == {"A": 2, "B": 1, "E": 1}
    assert summary.coverage == {
        ("step1", "pathology"): 2,
        ("step1", "physiology"): 1,
        ("step2", "medicine"): 1,
    }
    assert summary.systems == {"cardiovascular": 1, "renal": 3}
    assert summary.fair_keys["A"] == pytest.approx(3 / 4 + 1 / 5)
    assert summary.fair_keys["E"] == pytest.approx(1 / 5)


def test_bank_summary_counts_an_item_without_a_single_key_but_not_its_key():
    summary = BankSummary()
    draft = keyed("A")
    draft.options[1].correct = True
    summary.add(draft)

    assert (summary.items, summary.keys, summary.fair_keys) == (1, {}, {})
    assert summary.coverage == {("step1", "pathology"): 1}


def test_bank_summary_reports_a_letter_far_off_an_even_spread():
    found = bank("A" * 20).findings()

    assert {f.rule for f in found} == {"key-balance"}
    assert [f.message for f in found] == [
        "20 keys are A; an even spread gives about 5.",
        "0 keys are B; an even spread gives about 5.",
        "0 keys are C; an even spread gives about 5.",
        "0 keys are D; an even spread gives about 5.",
    ]


@pytest.mark.parametrize("keys", ["ABCD" * 5, "A" * 8 + "B" * 4 + "C" * 4 + "D" * 4, "AAB"])
def test_bank_summary_is_quiet_near_an_even_spread(keys):
    assert bank(keys).findings() == []


def test_bank_summary_allows_three_keys_off_in_a_small_bank():
    found = bank("A" * 9 + "B" * 4 + "C" * 4 + "D" * 3).findings()

    assert [f.message for f in found] == ["9 keys are A; an even spread gives about 5."]


@pytest.mark.parametrize(("a_keys", "fires"), [(32, False), (33, True)])
def test_bank_summary_allows_thirty_percent_off_in_a_large_bank(a_keys, fires):
    rest = 100 - a_keys
    keys = "A" * a_keys + "B" * (rest - 2 * (rest // 3)) + "C" * (rest // 3) + "D" * (rest // 3)

    found = bank(keys).findings()

    assert [f.message for f in found] == (
        [f"{a_keys} keys are A; an even spread gives about 25."] if fires else []
    )
