from dataclasses import replace

import pytest

from apps.questions.formats import moodle
from apps.questions.formats.base import (
    FormatError,
    ImageDraft,
    ImportSource,
    ItemDraft,
    ItemError,
    OptionDraft,
    ParseResult,
    SkippedItem,
)
from tests.questions.formats.examples import (
    ECG_ALT,
    ECG_BASE64,
    ECG_PNG,
    SAMPLES,
    ace_cough,
    inferior_mi,
    respiratory_alkalosis,
    sample,
    without_identity,
)

pytestmark = [pytest.mark.unit]

UNSUPPORTED = "is not supported; only single-best-answer multiple choice is."


def quiz(question_xml: str) -> ImportSource:
    return ImportSource("quiz.xml", f"<quiz>{question_xml}</quiz>".encode())


def multichoice(
    *,
    text: str = "<p>A man has crushing chest pain. Which artery is occluded?</p>",
    text_format: str = "html",
    answers: str = (
        '<answer fraction="100"><text>Right coronary artery</text></answer>'
        '<answer fraction="0"><text>Left circumflex artery</text></answer>'
    ),
    extra: str = "",
) -> ImportSource:
    """A small multichoice question; tests change the part they are about."""
    return quiz(
        f"""<question type="multichoice">
          <name><text>Chest pain</text></name>
          <questiontext format="{text_format}"><text><![CDATA[{text}]]></text>{extra}</questiontext>
          <idnumber>q-17</idnumber>
          {answers}
        </question>"""
    )


def test_parse_sample_quiz():
    result = moodle.parse(sample("moodle", "quiz.xml"))

    mi = inferior_mi()
    assert result == ParseResult(
        items=[
            replace(
                without_identity(mi),
                stem=mi.stem + f"<p>{mi.lead_in}</p>",
                lead_in="",
                objective="",
                references=[],
            ),
            ItemDraft(
                position=2,
                stem=(
                    "A 2-day-old boy born at home is bleeding from the umbilical stump. He "
                    "received no injections after birth.<br>Deficiency of which of the following "
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
                title="Bleeding newborn",
                explanation=(
                    "Newborns have little vitamin K: it crosses the placenta poorly and breast "
                    "milk holds little. Without vitamin K at birth, factors II, VII, IX and X fall "
                    "and the prothrombin time is prolonged."
                ),
            ),
        ],
        errors=[
            ItemError(
                9,
                "loop-diuretic",
                "Item 9 (loop-diuretic): 2 options are marked correct; exactly one must be.",
            )
        ],
        skipped=[
            SkippedItem(3, "Aspirin and cyclooxygenase",
                        f"Moodle question type 'truefalse' {UNSUPPORTED}"),
            SkippedItem(4, "Heparin", f"Moodle question type 'essay' {UNSUPPORTED}"),
            SkippedItem(5, "Nephrotic syndrome", "Moodle multichoice with several right answers "
                        f"(<single>false</single>) {UNSUPPORTED}"),
            SkippedItem(6, "Anaphylaxis",
                        f"Moodle multichoice with partial credit (option B: 50%) {UNSUPPORTED}"),
            SkippedItem(7, "Pneumonia", f"Moodle question type 'shortanswer' {UNSUPPORTED}"),
            SkippedItem(8, "Renal section", f"Moodle question type 'description' {UNSUPPORTED}"),
        ],
    )  # fmt: skip


def test_parse_pluginfile_names_are_url_decoded():
    source = multichoice(
        text='<p><img src="@@PLUGINFILE@@/my%20ecg.png" alt="ECG"> Chest pain.</p>',
        extra=f'<file name="my ecg.png" path="/" encoding="base64">{ECG_BASE64}</file>',
    )

    item = moodle.parse(source).items[0]

    assert (item.stem, item.images) == (
        '<p><img src="my ecg.png" alt="ECG"> Chest pain.</p>',
        [ImageDraft("my ecg.png", ECG_PNG, "ECG")],
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": '<p><img src="@@PLUGINFILE@@/ecg.png"> Chest pain.</p>'},
         "the image 'ecg.png' is used but not attached."),
        ({"extra": '<file name="ecg.png" path="/" encoding="base64">not base64!</file>'},
         "the file 'ecg.png' is not valid base64."),
        ({"extra": f'<file name="ecg.png" encoding="base64">{ECG_BASE64}</file>'
                   '<file name="ecg.png" encoding="base64">AAAA</file>'},
         "two different files are named 'ecg.png'."),
        ({"answers": '<answer fraction="full"><text>Right coronary artery</text></answer>'
                     '<answer fraction="0"><text>Left circumflex artery</text></answer>'},
         "option A has the fraction 'full', which is not a number."),
        ({"answers": '<answer fraction="100"><text>Right coronary artery</text></answer>'},
         "has 1 option; an item needs 2 to 10."),
        ({"answers": '<answer fraction="0"><text>Right coronary artery</text></answer>'
                     '<answer fraction="-50"><text>Left circumflex artery</text></answer>'},
         "no option is marked correct; exactly one must be."),
    ],
)  # fmt: skip
def test_parse_question_errors(changes, message):
    result = moodle.parse(multichoice(**changes))

    assert result == ParseResult(errors=[ItemError(1, "q-17", f"Item 1 (q-17): {message}")])


def test_parse_bad_machine_tag_is_an_error():
    source = multichoice(extra="").data.replace(
        b"</question>", b"<tags><tag><text>vignette:uid=abc</text></tag></tags></question>"
    )

    result = moodle.parse(ImportSource("quiz.xml", source))

    assert result.errors == [
        ItemError(1, "q-17", "Item 1 (q-17): the tag 'vignette:uid=abc' does not hold a UUID.")
    ]


def test_parse_markdown_question_stays_markdown():
    answers = (
        '<answer fraction="100" format="markdown"><text>**Right** coronary artery</text></answer>'
        '<answer fraction="0" format="markdown"><text>Left circumflex artery</text></answer>'
    )

    item = moodle.parse(multichoice(text="Chest *pain*.", text_format="markdown", answers=answers))

    assert (item.items[0].markup, item.items[0].stem, item.items[0].options[0].text) == (
        "markdown",
        "Chest *pain*.",
        "**Right** coronary artery",
    )


def test_parse_mixed_formats_become_html():
    answers = (
        '<answer fraction="100" format="plain_text"><text>Right &lt;coronary&gt;</text></answer>'
        '<answer fraction="0" format="html">'
        "<text><![CDATA[<b>Left</b> circumflex]]></text></answer>"
    )

    item = moodle.parse(multichoice(text="Chest *pain*.", text_format="markdown", answers=answers))

    assert (item.items[0].markup, item.items[0].stem, item.items[0].options[0].text) == (
        "html",
        "<p>Chest <em>pain</em>.</p>",
        "Right &lt;coronary&gt;",
    )
    assert item.items[0].options[1].text == "<b>Left</b> circumflex"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "billion-laughs.xml",
            "The file declares a DTD or entities, which are refused for safety.",
        ),
        ("xxe.xml", "The file declares a DTD or entities, which are refused for safety."),
    ],
)
def test_parse_hostile_xml_is_refused(name, message):
    with pytest.raises(FormatError) as error:
        moodle.parse(ImportSource(name, (SAMPLES / "hostile" / name).read_bytes()))

    assert str(error.value) == message


def test_parse_other_xml_is_refused():
    with pytest.raises(FormatError) as error:
        moodle.parse(ImportSource("item.xml", b"<assessmentItem/>"))

    assert str(error.value) == (
        "The XML root element is <assessmentItem>; a Moodle XML file starts with <quiz>."
    )


def test_round_trip_keeps_every_field():
    mi = inferior_mi()
    items = [
        replace(
            mi, options=[replace(mi.options[0], explanation=f"See {mi.stem}"), *mi.options[1:]]
        ),
        ace_cough(
            stem=f"{ace_cough().stem}\n\n![Chest film](chest-film.png)",
            images=[ImageDraft("chest-film.png", ECG_PNG, "Chest film")],
        ),
        respiratory_alkalosis(lead_in=""),
        ItemDraft(3, stem="", lead_in="Which artery?", options=mi.options, references=["A", "B"]),
    ]
    items = [replace(item, position=position) for position, item in enumerate(items, start=1)]

    result = moodle.parse(ImportSource("export.xml", moodle.render(items).data))

    assert result == ParseResult(items=items)


def test_render_writes_moodle_xml():
    item = ItemDraft(
        position=1,
        stem="<p>Chest pain.</p>",
        lead_in="Which artery?",
        options=[OptionDraft("RCA", "Inferior wall.", correct=True), OptionDraft("LCX")],
        external_id="q-17",
        title="Chest pain",
        exam="step1",
        tags=["ECG"],
        explanation="<p>Leads II, III, aVF.</p>",
        images=[ImageDraft("ecg.png", ECG_PNG, ECG_ALT)],
    )

    rendered = moodle.render([item])

    assert (rendered.filename, rendered.content_type) == ("vignette-moodle.xml", "application/xml")
    assert (
        rendered.data.decode()
        == f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="multichoice">
    <name>
      <text>Chest pain</text>
    </name>
    <questiontext format="html">
      <text>&lt;p&gt;Chest pain.&lt;/p&gt;
&lt;!-- vignette:lead-in --&gt;
Which artery?</text>
      <file name="ecg.png" path="/" encoding="base64">{ECG_BASE64}</file>
    </questiontext>
    <generalfeedback format="html">
      <text>&lt;p&gt;Leads II, III, aVF.&lt;/p&gt;</text>
    </generalfeedback>
    <defaultgrade>1</defaultgrade>
    <penalty>0</penalty>
    <hidden>0</hidden>
    <idnumber>q-17</idnumber>
    <single>true</single>
    <shuffleanswers>false</shuffleanswers>
    <answernumbering>ABCD</answernumbering>
    <showstandardinstruction>0</showstandardinstruction>
    <answer format="html" fraction="100">
      <text>RCA</text>
      <feedback format="html">
        <text>Inferior wall.</text>
      </feedback>
    </answer>
    <answer format="html" fraction="0">
      <text>LCX</text>
      <feedback format="html">
        <text />
      </feedback>
    </answer>
    <tags>
      <tag>
        <text>ECG</text>
      </tag>
      <tag>
        <text>vignette:exam=step1</text>
      </tag>
    </tags>
  </question>
</quiz>
"""
    )
