"""Deterministic question drafts for benchmarks: the same seed gives the same bank."""

import random
import uuid

from apps.questions.formats.base import ItemDraft, OptionDraft

EXAMS = ["step1", "step2ck", "step3"]
DISCIPLINES = ["pathology", "physiology", "pharmacology", "medicine", "surgery", "pediatrics"]
SYSTEMS = ["cardiovascular", "respiratory", "renal-urinary", "endocrine", "gastrointestinal"]
WORDS = " ".join(
    [
        "patient presents with fever cough dyspnea chest pain fatigue weight loss history of",
        "hypertension diabetes smoking examination shows tachycardia crackles edema laboratory",
        "studies show elevated creatinine sodium potassium glucose hemoglobin platelet count",
    ]
).split()
TABLE = "\n\n| Test | Value |\n|---|---|\n| Sodium | 134 mEq/L |\n| Potassium | 5.1 mEq/L |"


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def drafts(count: int, *, seed: int = 20261125) -> list[ItemDraft]:
    rng = random.Random(seed)
    items = []
    for index in range(count):
        correct = rng.randrange(5)
        items.append(
            ItemDraft(
                position=index + 1,
                markup="markdown",
                uid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                exam=rng.choice(EXAMS),
                discipline=rng.choice(DISCIPLINES),
                system=rng.choice(SYSTEMS),
                tags=[rng.choice(WORDS)],
                stem=" ".join(_sentence(rng, 14) for _ in range(4)) + TABLE,
                lead_in="Which of the following is the most likely diagnosis?",
                options=[
                    OptionDraft(
                        f"Diagnosis {index}-{letter}", _sentence(rng, 12), letter == correct
                    )
                    for letter in range(5)
                ],
                explanation=_sentence(rng, 40),
                objective=_sentence(rng, 15),
                references=["Harrison's Principles of Internal Medicine, 21st ed."],
            )
        )
    return items
