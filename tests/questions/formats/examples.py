"""Items the format tests share, and where their hand-written sample files live."""

import base64
import zipfile
from dataclasses import replace
from io import BytesIO
from pathlib import Path

from apps.questions.formats.base import ImageDraft, ImportSource, ItemDraft, OptionDraft

SAMPLES = Path(__file__).parent / "samples"

# A 2 × 2 red PNG, the same bytes as samples/qti21-package/items/mi/ecg.png.
ECG_BASE64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR42mM8ISfHwMDAxMDAwMDAAAANBAEIf62C"
    "UQAAAABJRU5ErkJggg=="
)
ECG_PNG = base64.b64decode(ECG_BASE64)
ECG_ALT = "12-lead ECG with ST elevation in leads II, III and aVF"

MI_UID = "6f1c2a9e-3b4d-4c8e-9a7f-1d2e3f4a5b6c"
COUGH_UID = "0a7e5c1d-9f2b-4e6a-8c3d-7b1a2e4f6d8c"
ALKALOSIS_UID = "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f"


def sample(*parts: str) -> ImportSource:
    path = SAMPLES.joinpath(*parts)
    return ImportSource(filename=path.name, data=path.read_bytes())


def zip_folder(*parts: str) -> bytes:
    """A zip of a sample folder, as a user would upload it."""
    folder = SAMPLES.joinpath(*parts)
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def inferior_mi(**changes) -> ItemDraft:
    """An HTML item with an image in its stem."""
    values = {
        "position": 1,
        "stem": (
            "<p>A 62-year-old man comes to the emergency department because of crushing "
            "substernal chest pain for 2 hours. He has hypertension and smokes cigarettes. "
            "His ECG is shown.</p>"
            f'<p><img src="ecg.png" alt="{ECG_ALT}"></p>'
        ),
        "lead_in": "Occlusion of which of the following arteries is the most likely cause?",
        "options": [
            OptionDraft(
                "Left anterior descending artery",
                "Its occlusion raises the ST segment in the anterior leads V1–V4.",
            ),
            OptionDraft(
                "Left circumflex artery",
                "Its occlusion affects the lateral leads I, aVL, V5 and V6.",
            ),
            OptionDraft(
                "Right coronary artery",
                "It supplies the inferior wall in most people, which leads II, III and aVF face.",
                correct=True,
            ),
            OptionDraft(
                "Left main coronary artery",
                "Its occlusion causes widespread ischemia, often with ST elevation in aVR.",
            ),
        ],
        "markup": "html",
        "external_id": "mi-inferior",
        "uid": MI_UID,
        "title": "Inferior myocardial infarction",
        "exam": "step1",
        "discipline": "pathology",
        "system": "cardiovascular",
        "tags": ["myocardial infarction", "ECG"],
        "enemies": [COUGH_UID],
        "explanation": (
            "<p>ST elevation in leads II, III and aVF marks an inferior infarction. The inferior "
            "wall is supplied by the posterior descending artery, which arises from the right "
            "coronary artery in most people.</p>"
        ),
        "objective": "Inferior ST elevation points to the right coronary artery.",
        "references": [
            "Kumar V, Abbas AK, Aster JC. Robbins and Cotran Pathologic Basis of Disease. "
            "10th ed. Elsevier; 2020."
        ],
        "images": [ImageDraft(name="ecg.png", data=ECG_PNG, alt=ECG_ALT)],
    }
    return ItemDraft(**{**values, **changes})


def ace_cough(**changes) -> ItemDraft:
    """A Markdown item."""
    values = {
        "position": 2,
        "stem": (
            "A 45-year-old woman with hypertension starts a new medication. Two weeks later "
            "she has a **dry cough** that keeps her awake at night."
        ),
        "lead_in": "Which of the following drugs is the most likely cause?",
        "options": [
            OptionDraft("Amlodipine", "Its common adverse effect is ankle edema."),
            OptionDraft("Hydrochlorothiazide", "It causes hypokalemia, not cough."),
            OptionDraft(
                "Lisinopril",
                "ACE inhibitors stop the breakdown of bradykinin, which causes the cough.",
                correct=True,
            ),
            OptionDraft("Losartan", "Angiotensin receptor blockers leave bradykinin alone."),
            OptionDraft("Metoprolol", "Beta blockers may cause bronchospasm, not a dry cough."),
        ],
        "markup": "markdown",
        "external_id": "ace-cough",
        "uid": COUGH_UID,
        "title": "Cough on a new antihypertensive",
        "exam": "step1",
        "discipline": "pharmacology",
        "system": "cardiovascular",
        "tags": ["adverse effects"],
        "explanation": (
            "ACE inhibitors such as lisinopril raise bradykinin levels, which causes a dry "
            "cough. An angiotensin receptor blocker such as losartan is the usual substitute."
        ),
        "objective": "A dry cough on an ACE inhibitor comes from bradykinin.",
    }
    return ItemDraft(**{**values, **changes})


def respiratory_alkalosis(**changes) -> ItemDraft:
    """An HTML item whose stem holds a table."""
    values = {
        "position": 3,
        "stem": (
            "<p>A healthy 30-year-old woman climbs to 4500 m (14 800 ft). She breathes fast. "
            "Arterial blood gas analysis shows:</p>"
            "<table><tbody>"
            "<tr><td>pH</td><td>7.52</td></tr>"
            "<tr><td>P<sub>CO2</sub></td><td>28 mm Hg</td></tr>"
            "<tr><td>HCO<sub>3</sub><sup>\u2212</sup></td><td>22 mEq/L</td></tr>"  # minus sign
            "</tbody></table>"
        ),
        "lead_in": "Which of the following best describes her acid-base status?",
        "options": [
            OptionDraft("Metabolic acidosis"),
            OptionDraft("Metabolic alkalosis"),
            OptionDraft("Respiratory acidosis"),
            OptionDraft("Respiratory alkalosis", correct=True),
        ],
        "markup": "html",
        "external_id": "altitude-abg",
        "uid": ALKALOSIS_UID,
        "title": "Blood gases at altitude",
        "exam": "step1",
        "discipline": "physiology",
        "system": "respiratory",
        "explanation": (
            "<p>Low inspired oxygen drives the peripheral chemoreceptors; hyperventilation "
            "lowers P<sub>CO2</sub> and raises the pH. The kidneys compensate over days by "
            "excreting bicarbonate.</p>"
        ),
    }
    return ItemDraft(**{**values, **changes})


def without_identity(draft: ItemDraft) -> ItemDraft:
    """The draft as a format that carries no uid, taxonomy or enemies reads it."""
    return replace(draft, uid="", exam="", discipline="", system="", enemies=[])
