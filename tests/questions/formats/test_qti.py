import zipfile
from dataclasses import replace
from io import BytesIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.questions.formats import qti
from apps.questions.formats.archive import read_zip, write_zip
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
from apps.questions.formats.markup import escape_text
from tests.questions.formats.examples import (
    ECG_ALT,
    ECG_PNG,
    SAMPLES,
    ace_cough,
    inferior_mi,
    respiratory_alkalosis,
    sample,
    without_identity,
    zip_folder,
)

pytestmark = [pytest.mark.unit]

NS = 'xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"'


def item_xml(
    *,
    correct: str = "<correctResponse><value>A</value></correctResponse>",
    cardinality: str = "single",
    body: str = "<p>A man has crushing chest pain.</p>",
    choices: str = (
        '<simpleChoice identifier="A">Right coronary artery</simpleChoice>'
        '<simpleChoice identifier="B">Left circumflex artery</simpleChoice>'
    ),
    after_body: str = "",
) -> bytes:
    """A small QTI 2.1 choice item; tests change the part they are about."""
    return f"""<assessmentItem {NS} identifier="q-17" title="Chest pain">
      <responseDeclaration identifier="RESPONSE" cardinality="{cardinality}" baseType="identifier">
        {correct}
      </responseDeclaration>
      <itemBody>{body}
        <choiceInteraction responseIdentifier="RESPONSE" maxChoices="1">
          <prompt>Which artery is occluded?</prompt>{choices}
        </choiceInteraction>
      </itemBody>{after_body}
    </assessmentItem>""".encode()


def parse_item(data: bytes, files: dict[str, bytes] | None = None) -> ParseResult:
    return qti.parse(ImportSource("item.xml", data, files or {}))


def test_parse_package_sample():
    result = qti.parse(ImportSource("cardio.zip", zip_folder("qti21-package")))

    abg = respiratory_alkalosis()
    assert result == ParseResult(
        items=[
            without_identity(inferior_mi()),
            without_identity(replace(abg, position=2, stem=f"<div>{abg.stem}</div>")),
        ],
        skipped=[
            SkippedItem(
                3,
                "frank-starling",
                "The QTI interaction extendedTextInteraction is not supported; only items with "
                "one single-response choiceInteraction are supported.",
            ),
            SkippedItem(
                4,
                "systolic-murmurs",
                "The QTI choiceInteraction takes several answers (cardinality 'multiple'); only "
                "single-best-answer items are supported.",
            ),
        ],
    )


def test_parse_qti3_item():
    result = qti.parse(sample("qti3", "ace-cough.xml"))

    expected = without_identity(
        ace_cough(
            position=1,
            markup="html",
            tags=[],
            stem=(
                "<p>A 45-year-old woman with hypertension starts a new medication. Two weeks "
                "later she has a <strong>dry cough</strong> that keeps her awake at night.</p>"
            ),
            explanation=(
                "<p>ACE inhibitors such as lisinopril raise bradykinin levels, which causes a "
                "dry cough. An angiotensin receptor blocker such as losartan is the usual "
                "substitute.</p>"
            ),
            objective="",
        )
    )
    assert result == ParseResult(items=[expected])


def test_parse_item_without_namespace():
    data = item_xml().replace(NS.encode(), b"")

    result = parse_item(data)

    assert result == ParseResult(
        items=[
            ItemDraft(
                position=1,
                stem="<p>A man has crushing chest pain.</p>",
                lead_in="Which artery is occluded?",
                options=[OptionDraft("Right coronary artery", correct=True),
                         OptionDraft("Left circumflex artery")],
                external_id="q-17",
                title="Chest pain",
            )
        ]
    )  # fmt: skip


def test_parse_feedback_not_keyed_to_a_choice_joins_the_explanation():
    feedback = (
        '<modalFeedback outcomeIdentifier="FEEDBACK" identifier="correct" showHide="show">'
        "Well done.</modalFeedback>"
        '<modalFeedback outcomeIdentifier="FEEDBACK" identifier="B" showHide="show">'
        "The circumflex supplies the lateral wall.</modalFeedback>"
        '<modalFeedback outcomeIdentifier="FEEDBACK" identifier="incorrect" showHide="show">'
        "Review the coronary territories.</modalFeedback>"
    )

    item = parse_item(item_xml(after_body=feedback)).items[0]

    assert item.explanation == "Well done.\nReview the coronary territories."
    assert item.options[1].explanation == "The circumflex supplies the lateral wall."


def test_parse_feedback_block_stays_out_of_the_stem():
    body = (
        "<p>A man has crushing chest pain.</p>"
        '<feedbackBlock outcomeIdentifier="FEEDBACK" identifier="A" showHide="show">'
        "<p>Inferior leads.</p></feedbackBlock>"
    )

    item = parse_item(item_xml(body=body)).items[0]

    assert (item.stem, item.options[0].explanation) == (
        "<p>A man has crushing chest pain.</p>",
        "<p>Inferior leads.</p>",
    )


def test_parse_image_comes_from_the_upload_files():
    body = '<p><img src="figures/ecg.png" alt="ECG"/></p>'

    result = parse_item(item_xml(body=body), {"figures/ecg.png": ECG_PNG})

    assert result.items[0].images == [ImageDraft("figures/ecg.png", ECG_PNG, "ECG")]


def test_parse_web_images_are_left_alone():
    body = '<p><img src="https://example.org/ecg.png" alt="ECG"/></p>'

    assert parse_item(item_xml(body=body)).items[0].images == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"correct": "<correctResponse><value>A</value><value>B</value></correctResponse>"},
         "Item 1 (q-17): 2 options are marked correct; exactly one must be."),
        ({"correct": "<correctResponse><value>E</value></correctResponse>"},
         "Item 1 (q-17): the correct response 'E' is not one of the choices (A, B)."),
        ({"correct": ""},
         "Item 1 (q-17): its response declaration has no correct response; one choice must be."),
        ({"choices": '<simpleChoice identifier="A">Right coronary artery</simpleChoice>'},
         "Item 1 (q-17): has 1 option; an item needs 2 to 10."),
        ({"body": '<p><img src="ecg.png" alt="ECG"/></p>'},
         "Item 1 (q-17): the image 'ecg.png' is not in the upload."),
        ({"body": '<p><img src="../../ecg.png" alt="ECG"/></p>'},
         "Item 1 (q-17): the image '../../ecg.png' points outside the package."),
    ],
)  # fmt: skip
def test_parse_item_errors(changes, message):
    result = parse_item(item_xml(**changes))

    assert result == ParseResult(errors=[ItemError(1, "q-17", message)])


def test_parse_response_without_declaration_is_an_error():
    data = item_xml().replace(b'identifier="RESPONSE" cardinality', b'identifier="R2" cardinality')

    result = parse_item(data)

    assert result.errors == [
        ItemError(1, "q-17", "Item 1 (q-17): declares no response 'RESPONSE' for its choices.")
    ]


def test_parse_item_with_two_interactions_is_skipped():
    body = '<p>Chest pain.</p><textEntryInteraction responseIdentifier="R2"/>'

    result = parse_item(item_xml(body=body))

    assert result.skipped == [
        SkippedItem(
            1,
            "q-17",
            "The QTI item has 2 interactions (textEntryInteraction, choiceInteraction); only "
            "items with one single-response choiceInteraction are supported.",
        )
    ]


def test_parse_package_item_problems_are_located():
    manifest = b"""<manifest><resources>
      <resource type="imsqti_item_xmlv2p1" href="missing.xml"/>
      <resource type="imsqti_item_xmlv2p1" href="broken.xml"/>
      <resource type="imsqti_item_xmlv2p1" href="test.xml"/>
      <resource type="imsqti_item_xmlv2p1" href="ok.xml"/>
    </resources></manifest>"""
    package = write_zip(
        {
            "imsmanifest.xml": manifest,
            "broken.xml": b"<assessmentItem><itemBody>",
            "test.xml": b"<assessmentTest/>",
            "ok.xml": item_xml(),
        }
    )

    result = qti.parse(ImportSource("p.zip", package))

    assert result.errors == [
        ItemError(1, "missing.xml", "Item 1 (missing.xml): the manifest lists 'missing.xml', "
                  "which is not in the zip."),
        ItemError(2, "broken.xml", "Item 2 (broken.xml): 'broken.xml' is not well-formed XML: "
                  "no element found: line 1, column 26."),
        ItemError(3, "test.xml", "Item 3 (test.xml): 'test.xml' holds <assessmentTest>, not an "
                  "assessment item."),
    ]  # fmt: skip
    assert [item.position for item in result.items] == [4]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ((SAMPLES / "hostile" / "xxe.xml").read_bytes(),
         "The file declares a DTD or entities, which are refused for safety."),
        ((SAMPLES / "hostile" / "billion-laughs.xml").read_bytes(),
         "The file declares a DTD or entities, which are refused for safety."),
        (b"<questestinterop/>",
         "QTI 1.2 (questestinterop) is not supported; export QTI 2.1 or 3.0."),
        (b"<manifest/>",
         "This is a content package manifest; upload the whole package as a zip."),
        (b"<quiz/>", "The XML root element is <quiz>; expected a QTI <assessmentItem> or "
         "<qti-assessment-item>."),
        (b"not xml", "The file is not well-formed XML: syntax error: line 1, column 0."),
        (write_zip({"item.xml": b"<assessmentItem/>"}),
         "The zip has no imsmanifest.xml, so it is not a QTI content package."),
        (write_zip({"imsmanifest.xml": b"<manifest><resources/></manifest>"}),
         "imsmanifest.xml lists no QTI items (resources of type imsqti_item_xmlv2p1 or "
         "imsqti_item_xmlv3p0)."),
    ],
)  # fmt: skip
def test_parse_broken_file_raises_format_error(data, message):
    with pytest.raises(FormatError) as error:
        qti.parse(ImportSource("upload", data))

    assert str(error.value) == message


def test_parse_package_with_hostile_item_is_refused_whole():
    manifest = b'<manifest><resources><resource type="imsqti_item_xmlv2p1" href="x.xml"/>'
    manifest += b"</resources></manifest>"
    xxe = (SAMPLES / "hostile" / "xxe.xml").read_bytes()

    with pytest.raises(FormatError) as error:
        qti.parse(ImportSource("p.zip", write_zip({"imsmanifest.xml": manifest, "x.xml": xxe})))

    assert str(error.value) == "'x.xml' declares a DTD or entities, which are refused for safety."


def test_render_is_a_content_package():
    rendered = qti.render([inferior_mi()])

    files = read_zip(rendered.data)
    assert (rendered.filename, rendered.content_type) == ("vignette-qti21.zip", "application/zip")
    assert sorted(files) == ["imsmanifest.xml", "items/1/ecg.png", "items/1/item.xml"]
    assert files["items/1/ecg.png"] == ECG_PNG


def test_round_trip_keeps_every_field():
    items = [inferior_mi(), replace(respiratory_alkalosis(), position=2)]

    result = qti.parse(ImportSource("export.zip", qti.render(items).data))

    assert result == ParseResult(items=items)


def test_round_trip_of_ids_that_are_not_xml_names():
    items = [
        inferior_mi(external_id="VQ 000123"),
        respiratory_alkalosis(position=2, external_id="", uid=""),
    ]

    result = qti.parse(ImportSource("export.zip", qti.render(items).data))

    assert result == ParseResult(items=items)


def test_render_markdown_items_as_html():
    result = qti.parse(ImportSource("export.zip", qti.render([ace_cough(position=1)]).data))

    item = result.items[0]
    assert (item.markup, item.stem, item.options[2].text) == (
        "html",
        "<p>A 45-year-old woman with hypertension starts a new medication. Two weeks later she "
        "has a <strong>dry cough</strong> that keeps her awake at night.</p>",
        "Lisinopril",
    )


def test_render_is_readable_as_plain_zip():
    with zipfile.ZipFile(BytesIO(qti.render([inferior_mi()]).data)) as archive:
        assert archive.testzip() is None


_plain = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Cn"), include_characters="\n\t"), max_size=25
).map(str.strip)


def _html(text: str) -> str:
    return f"<p>{escape_text(text)}</p>" if text else ""


@st.composite
def html_drafts(draw) -> ItemDraft:
    texts = draw(st.lists(_plain, min_size=2, max_size=10))
    key = draw(st.integers(min_value=0, max_value=len(texts) - 1))
    # An image's alt text travels in the <img> that shows it, so a generated image is shown.
    with_image = draw(st.booleans())
    figure = f'<img src="ecg.png" alt="{ECG_ALT}">' if with_image else ""
    return ItemDraft(
        position=1,
        stem=_html(f"Stem {draw(_plain)}") + figure,
        lead_in=escape_text(draw(_plain)),
        options=[
            OptionDraft(escape_text(f"{index} {text}".strip()), _html(draw(_plain)), index == key)
            for index, text in enumerate(texts)
        ],
        external_id=draw(st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)),
        uid=str(draw(st.uuids())),
        title=draw(st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn")), max_size=20)),
        exam=draw(st.sampled_from(["", "step1", "step2ck"])),
        tags=draw(st.lists(_plain.filter(bool), max_size=3)),
        enemies=[str(value) for value in draw(st.lists(st.uuids(), max_size=2))],
        explanation=_html(draw(_plain)),
        objective=_html(draw(_plain)),
        references=draw(st.lists(_plain, max_size=2)),
        images=[ImageDraft("ecg.png", ECG_PNG, ECG_ALT)] if with_image else [],
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_drafts())
def test_round_trip_property(item):
    result = qti.parse(ImportSource("export.zip", qti.render([item]).data))

    assert result == ParseResult(items=[item])


def test_parse_package_in_a_folder_with_an_unshown_image():
    manifest = b"""<manifest><resources>
      <resource type="imsqti_item_xmlv3p0" href="items/q.xml">
        <file href="items/q.xml"/><file href="items/figures/ecg%20copy.png"/>
      </resource>
    </resources></manifest>"""
    package = write_zip(
        {
            "export/imsmanifest.xml": manifest,
            "export/items/q.xml": item_xml(),
            "export/items/figures/ecg copy.png": ECG_PNG,
        }
    )

    result = qti.parse(ImportSource("export.zip", package))

    assert result.items[0].images == [ImageDraft("figures/ecg copy.png", ECG_PNG, "")]
