import pytest

from apps.questions.formats import FORMATS, detect
from apps.questions.formats.archive import write_zip
from tests.questions.formats.examples import SAMPLES, zip_folder

pytestmark = [pytest.mark.unit]


def test_formats_say_what_they_accept_and_whether_they_export():
    summary = {key: (entry.extensions, entry.can_export) for key, entry in FORMATS.items()}

    assert summary == {
        "native": ((".json", ".zip"), True),
        "qti": ((".xml", ".zip"), True),
        "moodle": ((".xml",), True),
        "gift": ((".gift", ".txt"), False),
        "aiken": ((".txt",), False),
        "csv": ((".csv",), True),
    }


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("native/bank.json", "native"),
        ("qti3/ace-cough.xml", "qti"),
        ("qti21-package/items/abg/item.xml", "qti"),
        ("moodle/quiz.xml", "moodle"),
        ("gift/questions.gift", "gift"),
        ("aiken/questions.txt", "aiken"),
        ("csv/questions.csv", "csv"),
    ],
)
def test_detect_sample_files(path, expected):
    file = SAMPLES / path

    assert detect(file.name, file.read_bytes()) == expected


def test_detect_gift_saved_as_text():
    assert detect("questions.txt", (SAMPLES / "gift" / "questions.gift").read_bytes()) == "gift"


def test_detect_text_formats_that_open_with_markup():
    aiken = b"<b>Which artery supplies the anterior wall?</b>\nA. LAD\nB. RCA\nANSWER: A\n"

    assert detect("questions.txt", aiken) == "aiken"
    assert detect("questions.gift", b"<i>Stem</i> {=right ~wrong}") == "gift"


def test_detect_archives_by_what_they_hold():
    assert detect("cardio.zip", zip_folder("qti21-package")) == "qti"
    assert detect("bank.zip", write_zip({"bank.json": b"{}"})) == "native"
    assert detect("photos.zip", write_zip({"ecg.png": b"\x89PNG"})) is None


def test_detect_unknown_content():
    assert detect("notes.txt", b"Remember the coronary territories.") is None
    assert detect("page.xml", b"<html/>") is None
    assert detect("broken.zip", b"PK\x03\x04 nothing") is None
