import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.questions.formats import native
from apps.questions.formats.archive import write_zip
from apps.questions.formats.base import (
    FormatError,
    ImageDraft,
    ImportSource,
    ItemDraft,
    ItemError,
    OptionDraft,
    ParseResult,
)
from tests.questions.formats.examples import (
    ECG_ALT,
    ECG_BASE64,
    ECG_PNG,
    MI_UID,
    ace_cough,
    inferior_mi,
    respiratory_alkalosis,
    sample,
)

pytestmark = [pytest.mark.unit]


def bank(*questions) -> ImportSource:
    document = {"format": "vignette-bank", "version": 1, "questions": list(questions)}
    return ImportSource("bank.json", json.dumps(document).encode())


def question(**changes) -> dict:
    """A sound question in the native shape; tests change what they are about."""
    values = {
        "uid": MI_UID,
        "markup": "markdown",
        "stem": "A man has crushing chest pain.",
        "lead_in": "Which artery is occluded?",
        "options": [
            {"text": "Right coronary artery", "correct": True},
            {"text": "Left circumflex artery"},
        ],
    }
    return {**values, **changes}


def test_parse_sample_bank_gives_every_field():
    result = native.parse(sample("native", "bank.json"))

    assert result == ParseResult(items=[inferior_mi(), ace_cough(), respiratory_alkalosis()])


def test_parse_external_id_defaults_to_uid():
    result = native.parse(bank(question()))

    assert result.items[0].external_id == MI_UID


def test_parse_image_file_from_upload_folder():
    image = {"name": "ecg.png", "alt": ECG_ALT, "file": "figures/ecg.png"}
    source = replace(bank(question(images=[image])), files={"figures/ecg.png": ECG_PNG})

    result = native.parse(source)

    assert result.items[0].images == [ImageDraft("ecg.png", ECG_PNG, ECG_ALT)]


def test_parse_zip_resolves_files_beside_the_bank():
    image = {"name": "ecg.png", "alt": ECG_ALT, "file": "figures/ecg.png"}
    archive = write_zip(
        {"export/bank.json": bank(question(images=[image])).data, "export/figures/ecg.png": ECG_PNG}
    )

    result = native.parse(ImportSource("export.zip", archive))

    assert result.items[0].images == [ImageDraft("ecg.png", ECG_PNG, ECG_ALT)]


def test_parse_zip_with_two_banks_is_refused():
    archive = write_zip({"a.json": b"{}", "b.json": b"{}"})

    with pytest.raises(FormatError) as error:
        native.parse(ImportSource("export.zip", archive))

    assert str(error.value) == (
        "The archive must hold exactly one .json bank file; found a.json, b.json."
    )


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"{not json", "The file is not valid JSON: Expecting property name enclosed in "
         "double quotes (line 1, column 2)."),
        (b"\xff\xfe", "The file is not UTF-8 text: invalid start byte at byte 0."),
        (b'{"format": "moodle"}', 'This is not a Vignette bank: its "format" is "moodle", '
         'not "vignette-bank".'),
        (b"[]", 'This is not a Vignette bank: its "format" is null, not "vignette-bank".'),
        (b'{"format": "vignette-bank", "version": 2, "questions": []}',
         "Vignette bank version 2 cannot be read; this Vignette reads version 1."),
        (b'{"format": "vignette-bank", "version": 1}', 'The bank has no "questions" list.'),
    ],
)  # fmt: skip
def test_parse_broken_file_raises_format_error(document, message):
    with pytest.raises(FormatError) as error:
        native.parse(ImportSource("bank.json", document))

    assert str(error.value) == message


def test_parse_item_that_is_not_an_object_is_an_error():
    result = native.parse(bank("just text"))

    assert result == ParseResult(
        errors=[ItemError(1, "", "Item 1: must be an object; found a string.")]
    )


def test_parse_wrong_types_name_each_field():
    broken = question(
        tags="cardiology",
        options=[{"text": "Right coronary artery", "correct": "yes"}, "Left circumflex artery"],
        enemies=["not-a-uuid"],
        difficulty=3,
    )

    result = native.parse(bank(broken))

    where = f"Item 1 ({MI_UID})"
    assert result.errors == [
        ItemError(1, MI_UID, f"{where}: has an unknown field 'difficulty'."),
        ItemError(1, MI_UID, f"{where}: 'enemies[0]' must be a UUID; found \"not-a-uuid\"."),
        ItemError(
            1, MI_UID, f"{where}: 'options[0].correct' must be true or false; found a string."
        ),
        ItemError(1, MI_UID, f"{where}: 'options[1]' must be an object; found a string."),
        ItemError(1, MI_UID, f"{where}: 'tags' must be a list; found a string."),
    ]
    assert result.items == []


def test_parse_bad_uid_and_markup():
    result = native.parse(bank(question(uid="abc", external_id="q-1", markup="latex")))

    assert result.errors == [
        ItemError(1, "abc", "Item 1 (abc): 'uid' must be a UUID; found \"abc\"."),
        ItemError(
            1, "abc", 'Item 1 (abc): \'markup\' must be "html" or "markdown"; found "latex".'
        ),
    ]


def test_parse_image_problems():
    images = [
        {"name": "a.png", "file": "figures/missing.png"},
        {"name": "b.png", "data": "not base64!"},
        {"name": "c.png"},
    ]

    result = native.parse(bank(question(images=images)))

    where = f"Item 1 ({MI_UID})"
    assert [error.message for error in result.errors] == [
        f"{where}: 'images[0].file' names 'figures/missing.png', which is not in the upload.",
        f"{where}: 'images[1].data' is not valid base64.",
        f'{where}: \'images[2]\' needs exactly one of "data" (base64) and "file".',
    ]


def test_parse_applies_the_shared_checks():
    two_keys = question(
        options=[
            {"text": "Right coronary artery", "correct": True},
            {"text": "LAD", "correct": True},
        ]
    )

    result = native.parse(bank(question(), two_keys))

    assert result.errors == [
        ItemError(
            2, MI_UID, f"Item 2 ({MI_UID}): 2 options are marked correct; exactly one must be."
        )
    ]
    assert [item.position for item in result.items] == [1]


def test_render_writes_images_as_base64_and_is_stable():
    rendered = native.render([inferior_mi()])

    document = json.loads(rendered.data)
    assert rendered.filename == "vignette-bank.json"
    assert rendered.content_type == "application/json"
    assert document["questions"][0]["images"] == [
        {"name": "ecg.png", "alt": ECG_ALT, "data": ECG_BASE64}
    ]
    assert rendered.data == native.render([inferior_mi()]).data
    assert "V1–V4" in rendered.data.decode("utf-8")  # UTF-8, not \u escapes


def test_round_trip_keeps_every_field():
    items = [inferior_mi(), ace_cough(), respiratory_alkalosis()]

    result = native.parse(ImportSource("bank.json", native.render(items).data))

    assert result == ParseResult(items=items)


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@st.composite
def drafts(draw) -> list[ItemDraft]:
    count = draw(st.integers(min_value=1, max_value=3))
    items = []
    for position in range(1, count + 1):
        texts = draw(st.lists(_text, min_size=2, max_size=10))
        key = draw(st.integers(min_value=0, max_value=len(texts) - 1))
        uid = str(draw(st.uuids()))
        items.append(
            ItemDraft(
                position=position,
                stem=f"Stem {draw(_text)}",
                lead_in=draw(_text),
                options=[
                    OptionDraft(f"{index}: {text}", draw(_text), index == key)
                    for index, text in enumerate(texts)
                ],
                markup=draw(st.sampled_from(["html", "markdown"])),
                external_id=draw(_text) or uid,
                uid=uid,
                title=draw(_text),
                tags=draw(st.lists(_text, max_size=3)),
                enemies=[str(value) for value in draw(st.lists(st.uuids(), max_size=2))],
                explanation=draw(_text),
                references=draw(st.lists(_text, max_size=2)),
                images=[
                    ImageDraft(draw(_text) or "x.png", draw(st.binary(max_size=20)), draw(_text))
                ],
            )
        )
    return items


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drafts())
def test_round_trip_property(items):
    result = native.parse(ImportSource("bank.json", native.render(items).data))

    assert result == ParseResult(items=items)
