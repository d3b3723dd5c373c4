"""The item-writing checker: what the NBME's item-writing guidance asks of an item, as far as a
machine can tell, for authors (warnings in the editor), imports (the dry-run report) and
`manage.py check_bank`.

A rule finds problems in one item; an item may waive a rule with a written reason, and a waived
finding is still reported, as waived. Nothing here touches the database: callers hand in the
draft and say what the bank knows (the lab values panel, the vetted references).
"""

import html
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from apps.questions.formats.base import ItemDraft
from apps.questions.formats.checks import LETTERS, MAX_OPTIONS, MIN_OPTIONS, is_blank
from apps.questions.lab_values import lab_values

REFERENCES_PATH = Path(__file__).with_name("starter") / "references.json"

ADVISED_OPTIONS = (4, 9)
KEY_LENGTH_RATIO = 1.5

# Every rule, with what it asks: the names waivers use, in the order findings are listed.
RULES = {
    "explanations": "Every option has its own explanation.",
    "objective": "The item states an educational objective.",
    "of-the-above": "No “all of the above” or “none of the above”.",
    "option-count": f"{ADVISED_OPTIONS[0]} to {ADVISED_OPTIONS[1]} options "
    f"({MIN_OPTIONS} to {MAX_OPTIONS} at most).",
    "key-length": f"The key is at most {KEY_LENGTH_RATIO:g} × the mean length of the other "
    "options.",
    "duplicate-options": "No two options say the same thing.",
    "absolute-words": "No “always”, “never” or “only” in a distractor unless the key has it too.",
    "lead-in": "The lead-in is a question.",
    "age-sex": "A clinical vignette gives the patient's age and sex in its first sentence.",
    "lab-table": "Every result in a table names an analyte of the lab values panel in its unit, "
    "or gives its reference range.",
    "alt-text": "Every image has alt text.",
    "references": "Every reference is on the bank's vetted list.",
}

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    severity: str = WARNING
    waiver: str = ""  # the written reason, when the item waives this rule

    @property
    def waived(self) -> bool:
        return bool(self.waiver)


def waiver_problems(waivers: dict[str, str]) -> list[str]:
    """What is wrong with an item's waivers: each names a rule and gives a reason."""
    problems = []
    for rule, reason in waivers.items():
        if rule not in RULES:
            problems.append(f"“{rule}” is not a checker rule; the rules are {', '.join(RULES)}.")
        elif not str(reason).strip():
            problems.append(f"The waiver of “{rule}” needs a written reason.")
    return problems


def item_findings(draft: ItemDraft, *, vetted: Iterable[str] | None = None) -> list[Finding]:
    """Every finding for one item, in the order of RULES, each marked waived where the item
    waives it; `vetted` stands in for the bank's reference list."""
    waivers = draft.waivers
    vetted_references = set(vetted_citations() if vetted is None else vetted)
    item = _Item.of(draft)
    found = [
        *_explanations(item),
        *_objective(item),
        *_of_the_above(item),
        *_option_count(item),
        *_key_length(item),
        *_duplicates(item),
        *_absolute_words(item),
        *_lead_in(item),
        *_age_sex(item),
        *_lab_table(item),
        *_alt_text(item, draft),
        *_references(draft, vetted_references),
    ]
    return [Finding(f.rule, f.message, f.severity, waivers.get(f.rule, "").strip()) for f in found]


@cache
def vetted_citations() -> tuple[str, ...]:
    """The vetted reference list kept with the starter bank, as full citations."""
    entries = json.loads(REFERENCES_PATH.read_text(encoding="utf-8"))
    return tuple(entry["citation"] for entry in entries)


# --- The bank as a whole ------------------------------------------------------------------------

KEY_BALANCE_TOLERANCE = 0.3  # a key letter may be this share above or below its fair count


@dataclass
class BankSummary:
    """What a bank's items add up to: where the keys fall, and what the items cover."""

    items: int = 0
    keys: Counter = field(default_factory=Counter)  # letter -> items keyed there
    fair_keys: Counter = field(default_factory=Counter)  # letter -> expected, keys spread evenly
    coverage: Counter = field(default_factory=Counter)  # (exam, discipline) -> items
    systems: Counter = field(default_factory=Counter)  # system -> items

    def add(self, draft: ItemDraft) -> None:
        self.items += 1
        correct = [i for i, option in enumerate(draft.options) if option.correct]
        if len(correct) == 1:
            self.keys[LETTERS[correct[0]]] += 1
            for letter in LETTERS[: len(draft.options)]:
                self.fair_keys[letter] += 1 / len(draft.options)
        self.coverage[(draft.exam, draft.discipline)] += 1
        self.systems[draft.system] += 1

    def findings(self) -> list[Finding]:
        """A key letter used far more or less than an even spread would: students learn it."""
        found = []
        for letter, fair in sorted(self.fair_keys.items()):
            count = self.keys[letter]
            if abs(count - fair) > max(3, KEY_BALANCE_TOLERANCE * fair):
                found.append(
                    Finding(
                        "key-balance",
                        f"{count} keys are {letter}; an even spread gives about {fair:.0f}.",
                    )
                )
        return found


@dataclass(frozen=True)
class ItemCheck:
    draft: ItemDraft
    findings: list[Finding]
    waiver_problems: list[str]

    @property
    def unwaived(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.waived]


@dataclass(frozen=True)
class BankCheck:
    """A bank's items checked one by one, and what they add up to."""

    items: list[ItemCheck]
    summary: BankSummary
    findings: list[Finding]  # the bank's own (key balance)

    @property
    def waived(self) -> Counter:
        """Waived findings per rule."""
        return Counter(f.rule for item in self.items for f in item.findings if f.waived)

    @property
    def unwaived(self) -> int:
        """Findings and waiver problems no item answers for: the bank passes with none."""
        per_item = sum(len(item.unwaived) + len(item.waiver_problems) for item in self.items)
        return per_item + len(self.findings)


def bank_check(drafts: Iterable[ItemDraft]) -> BankCheck:
    summary, items = BankSummary(), []
    for draft in drafts:
        summary.add(draft)
        items.append(ItemCheck(draft, item_findings(draft), waiver_problems(draft.waivers)))
    return BankCheck(items, summary, summary.findings())


# --- The item as the rules read it ---------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    """An item's texts as the rules read them, found without the Markdown parser: an import
    checks every item, and parsing is the slow part of an import."""

    stem: str  # plain text, tables left out
    tables: list[list[list[str]]]  # each table's rows of cells' plain text, header first
    images: list[tuple[str, str]]  # (source, alt) of each image in the stem and explanation
    lead_in: str
    options: list[str]
    has_explanation: list[bool]
    key: int | None
    has_objective: bool

    @classmethod
    def of(cls, draft: ItemDraft) -> "_Item":
        correct = [i for i, option in enumerate(draft.options) if option.correct]
        if draft.markup == "markdown":
            stem, stem_tables = _markdown_tables(draft.stem)
            images = _markdown_images(draft.stem + "\n" + draft.explanation)
        else:
            stem, stem_tables = _TABLE.sub(" ", draft.stem), tables(draft.stem)
            images = _html_images(draft.stem + draft.explanation)
        return cls(
            stem=_plain(stem),
            tables=stem_tables,
            images=images,
            lead_in=_plain(draft.lead_in),
            options=[_plain(option.text) for option in draft.options],
            has_explanation=[not is_blank(option.explanation) for option in draft.options],
            key=correct[0] if len(correct) == 1 else None,
            has_objective=not is_blank(draft.objective),
        )


_MARKS = re.compile(r"<[^>]*>|!?\[([^\]]*)\]\([^)]*\)|[*_`]+")


def _plain(text: str) -> str:
    """A text's words without tags, links or emphasis marks: enough to measure and compare."""
    return " ".join(html.unescape(_MARKS.sub(lambda m: m.group(1) or "", text)).split())


_DELIMITER_ROW = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def _markdown_tables(text: str) -> tuple[str, list[list[list[str]]]]:
    """A Markdown text without its pipe tables, and the tables' rows of cells."""
    lines = text.splitlines()
    kept, found, index = [], [], 0
    while index < len(lines):
        line = lines[index]
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if "|" in line and _DELIMITER_ROW.match(following):
            rows, index = [_cells(line)], index + 2
            while index < len(lines) and "|" in lines[index]:
                rows.append(_cells(lines[index]))
                index += 1
            found.append(rows)
            kept.append("")
            continue
        kept.append(line)
        index += 1
    return "\n".join(kept), found


def _cells(line: str) -> list[str]:
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    return [_plain(cell.replace("\\|", "|")) for cell in _CELL_SPLIT.split(line)]


_MARKDOWN_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)")


_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ALT = re.compile(r"\balt\s*=\s*(\"[^\"]*\"|'[^']*')", re.IGNORECASE)
_SRC = re.compile(r"\bsrc\s*=\s*(\"[^\"]*\"|'[^']*')", re.IGNORECASE)


def _markdown_images(text: str) -> list[tuple[str, str]]:
    return [(source, alt) for alt, source in _MARKDOWN_IMAGE.findall(text)]


def _html_images(text: str) -> list[tuple[str, str]]:
    def value(match: re.Match | None) -> str:
        return match.group(1).strip("\"'") if match else ""

    return [(value(_SRC.search(tag)), value(_ALT.search(tag))) for tag in _IMG.findall(text)]


# --- The rules -------------------------------------------------------------------------------


def _explanations(item: _Item) -> list[Finding]:
    missing = [LETTERS[i] for i, explained in enumerate(item.has_explanation) if not explained]
    if not missing:
        return []
    noun = "Option" if len(missing) == 1 else "Options"
    verb = "has" if len(missing) == 1 else "have"
    return [Finding("explanations", f"{noun} {', '.join(missing)} {verb} no explanation.")]


def _objective(item: _Item) -> list[Finding]:
    return [] if item.has_objective else [Finding("objective", "The item has no objective.")]


_OF_THE_ABOVE = re.compile(r"\b(all|none|both|neither) of the (above|options)\b", re.IGNORECASE)


def _of_the_above(item: _Item) -> list[Finding]:
    return [
        Finding("of-the-above", f"Option {LETTERS[i]} says “{match.group(0)}”.")
        for i, text in enumerate(item.options)
        if (match := _OF_THE_ABOVE.search(text))
    ]


def _option_count(item: _Item) -> list[Finding]:
    count = len(item.options)
    noun = "option" if count == 1 else "options"
    if not MIN_OPTIONS <= count <= MAX_OPTIONS:
        return [
            Finding(
                "option-count",
                f"{count} {noun}; an item needs {MIN_OPTIONS} to {MAX_OPTIONS}.",
                ERROR,
            )
        ]
    low, high = ADVISED_OPTIONS
    if not low <= count <= high:
        return [Finding("option-count", f"{count} {noun}; write {low} to {high}.")]
    return []


def _key_length(item: _Item) -> list[Finding]:
    if item.key is None or len(item.options) < 2:
        return []
    others = [len(text) for i, text in enumerate(item.options) if i != item.key]
    mean = sum(others) / len(others)
    key = len(item.options[item.key])
    if mean and key > KEY_LENGTH_RATIO * mean:
        return [
            Finding(
                "key-length",
                f"The key has {key} characters, {key / mean:.1f} × the others' mean of "
                f"{mean:.0f}: a length cue.",
            )
        ]
    return []


def _normalised(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


def _duplicates(item: _Item) -> list[Finding]:
    first: dict[str, int] = {}
    found = []
    for i, text in enumerate(item.options):
        key = _normalised(text)
        if key in first:
            found.append(
                Finding(
                    "duplicate-options",
                    f"Options {LETTERS[first[key]]} and {LETTERS[i]} say the same.",
                    ERROR,
                )
            )
        first.setdefault(key, i)
    return found


_ABSOLUTE = re.compile(r"\b(always|never|only)\b", re.IGNORECASE)


def _absolute_words(item: _Item) -> list[Finding]:
    if item.key is None or _ABSOLUTE.search(item.options[item.key]):
        return []
    return [
        Finding(
            "absolute-words",
            f"Option {LETTERS[i]} says “{match.group(0)}” and the key does not: a cue that it "
            "is wrong.",
        )
        for i, text in enumerate(item.options)
        if i != item.key and (match := _ABSOLUTE.search(text))
    ]


def _lead_in(item: _Item) -> list[Finding]:
    if item.lead_in.rstrip().endswith("?"):
        return []
    return [Finding("lead-in", "The lead-in is not a question (it does not end with “?”).")]


_PERSON = (
    r"man|woman|men|women|boy|girl|infant|newborn|neonate|child|toddler|adolescent|teenager|"
    r"patient|gentleman|lady|student|mother|father"
)
_AGE = r"\d+(?:\.\d+)?-(?:year|month|week|day|hour)-old"
# A vignette about a patient opens with one: "A 34-year-old woman …", "An infant …".
_PRESENTS_PATIENT = re.compile(rf"^an?\s+(?:[\w-]+\s+){{0,3}}?(?:{_AGE}|(?:{_PERSON})\b)", re.I)
_HAS_AGE = re.compile(rf"\b(?:{_AGE}|newborn|neonate)\b", re.IGNORECASE)
_HAS_SEX = re.compile(
    r"\b(?:man|woman|boy|girl|male|female|gentleman|lady|mother|father|son|daughter|"
    r"(?:primi|multi)?gravida|(?:primi|multi)gravid|pregnant)\b",
    re.IGNORECASE,
)
# A sentence ends at a full stop before a capital letter (not inside "37.5" or "4.0 mmol/L").
_SENTENCE_END = re.compile(r"\.\s+(?=[A-Z])")


def _age_sex(item: _Item) -> list[Finding]:
    first = _SENTENCE_END.split(item.stem, maxsplit=1)[0]
    if not _PRESENTS_PATIENT.search(first):
        return []
    missing = [
        name
        for name, pattern in (("age", _HAS_AGE), ("sex", _HAS_SEX))
        if not pattern.search(first)
    ]
    if not missing:
        return []
    return [
        Finding(
            "age-sex", f"The vignette's first sentence does not give the {' or '.join(missing)}."
        )
    ]


def _alt_text(item: _Item, draft: ItemDraft) -> list[Finding]:
    """Images without alt text: those a file carries beside the item, and those it shows."""
    unnamed = {image.name for image in draft.images if not image.alt.strip()}
    unnamed |= {
        source.rsplit("/", 1)[-1] or "without a name"
        for source, alt in item.images
        if not alt.strip()
    }
    return [Finding("alt-text", f"Image “{name}” has no alt text.") for name in sorted(unnamed)]


def _references(draft: ItemDraft, vetted: set[str]) -> list[Finding]:
    return [
        Finding("references", f"“{reference[:80]}” is not on the vetted reference list.")
        for reference in draft.references
        if " ".join(reference.split()) not in vetted
    ]


# --- Results tables against the lab values panel ---------------------------------------------


class _Tables(HTMLParser):
    """The rows of every table in some HTML, each a list of its cells' text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    parser.close()
    return [table for table in parser.tables if table]


# A table of results names its first column so: "Test | Result", "Serum | Day 1 | Day 3".
# Trial results and 2 × 2 tables ("Outcome | Drug | Placebo") are not laboratory results.
_RESULTS_HEADER = re.compile(
    r"^(tests?|analytes?|laboratory( tests?| stud(y|ies)| values?)?|lab( tests?)?|serum|plasma|"
    r"blood|urine|arterial blood gas(es)?|cerebrospinal fluid|csf)$",
    re.IGNORECASE,
)
_RESULTS_HEADER_SPECIMENS = re.compile(
    r"^(serum|plasma|blood|urine|arterial blood gas(es)?|cerebrospinal fluid|csf)$"
)
# A result: a number (perhaps signed, with thousands separators) and what follows it, its unit.
_VALUE = re.compile(r"^[<>≤≥]?\s*[-\u2212]?\d[\d,]*(?:\.\d+)?\s*(?P<unit>[^()]*?)\s*(?:\(.*)?$")
# A range given beside a result that the panel lacks: "(reference 0.5–2.2 mmol/L)".
_RANGE_GIVEN = re.compile(r"\b(reference|normal|therapeutic)\b", re.IGNORECASE)
# Spellings the exam uses that the panel's data writes another way.
_SPELLINGS = str.maketrans({"\u03bc": "\u00b5", "\u2212": "-", "₂": "2", "³": "3", "²": "2"})
_UNIT_WORDS = {"sec": "s", "seconds": "s"}
_ANALYTE_WORDS = {"pco2": "paco2", "po2": "pao2"}
# The words a table may put before an analyte to say where it was measured, for each of the
# panel's specimens; a table without one means the panel's usual specimen.
_SPECIMEN_WORDS = {
    "serum": ("serum",),
    "plasma": ("plasma",),
    "whole blood": ("blood",),
    "arterial blood": ("arterial", "arterial blood"),
    "cerebrospinal fluid": ("cerebrospinal fluid", "csf"),
    "urine": ("urine",),
    "urine, 24 h": ("urine", "24-hour urine"),
}
_GENERAL_SPECIMENS = ("serum", "plasma", "blood")


def _unit_key(unit: str) -> str:
    key = "".join(unit.translate(_SPELLINGS).split()).lower()
    return _UNIT_WORDS.get(key, key)


def _name_key(name: str) -> str:
    return " ".join(_ANALYTE_WORDS.get(w, w) for w in name.translate(_SPELLINGS).lower().split())


@cache
def _panel() -> dict[str, frozenset[str]]:
    """Each name a table may give an analyte -> the units the panel gives it in, for any of
    its specimens (a table may leave the specimen to its heading or the stem)."""
    names: dict[str, set[str]] = {}
    for section in lab_values()["sections"]:
        for row in section["rows"]:
            units = {_unit_key(row["conventional"]["unit"])}
            if row["si"] is not None:
                units.add(_unit_key(row["si"]["unit"]))
            plain = _analyte_names(row["analyte"])
            prefixes = _SPECIMEN_WORDS.get(row["specimen"].lower(), ())
            qualified = {f"{prefix} {name}" for prefix in prefixes for name in plain}
            for name in qualified | plain:
                names.setdefault(name, set()).update(units)
    return {name: frozenset(units) for name, units in names.items()}


def _analyte_names(analyte: str) -> set[str]:
    """ "Alanine aminotransferase (ALT)" -> it, "alanine aminotransferase" and "alt";
    "Hemoglobin, male" -> it and "hemoglobin"; "Proteins, total" -> also "total proteins" and
    "protein"."""
    full = _name_key(analyte)
    bare = " ".join(re.sub(r"\([^)]*\)", "", full).split()).replace(" ,", ",")
    base, _, qualifier = bare.partition(",")
    qualifier = qualifier.strip()
    names = {full, bare, base}
    if qualifier:  # "Bilirubin, total" is also "total bilirubin"
        names.add(f"{qualifier} {base}")
    for abbreviation in re.findall(r"\(([^)]+)\)", full):
        names.add(abbreviation)
        if qualifier:  # "Thyroxine (T4), free" is also "T4, free" and "free T4"
            names |= {f"{abbreviation}, {qualifier}", f"{qualifier} {abbreviation}"}
    if base.endswith("s"):
        names.add(base[:-1])
    return {name for name in names if name}


def _units_of(analyte: str, specimen: str, panel: dict[str, frozenset[str]]):
    """The panel's units for an analyte as a table names it, in a table of this specimen."""
    name = _name_key(analyte)
    candidates = [name]
    if specimen:
        candidates.insert(0, f"{specimen} {name}")
    first, _, rest = name.partition(" ")
    if first in _GENERAL_SPECIMENS and rest:
        candidates.append(rest)
    return next((panel[c] for c in candidates if c in panel), None)


def _unit_known(unit: str, units: frozenset[str]) -> bool:
    key = _unit_key(unit)
    if not key:  # pH, which the panel gives in "pH units"
        return any(u.startswith("ph") for u in units)
    if key == "%":  # a differential count or an A1c, a percentage of its whole
        return any(u.startswith("%") for u in units)
    return key in units


def _lab_table(item: _Item) -> list[Finding]:
    panel = _panel()
    found = []
    prose = _SENTENCE_END.split(item.stem)
    for table in item.tables:
        header = _name_key(table[0][0].strip())
        if not _RESULTS_HEADER.match(header):
            continue
        specimen = header if _RESULTS_HEADER_SPECIMENS.match(header) else ""
        for row in table[1:]:
            found += _row_findings(row, specimen, panel, prose)
    return found


def _row_findings(row: list[str], specimen: str, panel, prose: list[str]) -> list[Finding]:
    if len(row) < 2 or _RANGE_GIVEN.search(" ".join(row)):
        return []
    values = [match for cell in row[1:] if (match := _VALUE.match(cell))]
    if not values:
        return []
    analyte = row[0].strip().rstrip(":")
    units = _units_of(analyte, specimen, panel)
    if units is None:
        if not any(value.group("unit") for value in values):
            return []  # counts, as in a 2 × 2 table, are not laboratory results
        if _range_in_prose(analyte, prose):
            return []
        return [
            Finding(
                "lab-table",
                f"“{analyte}” is not on the lab values panel; give its reference range.",
            )
        ]
    return [
        Finding(
            "lab-table",
            f"“{analyte}” in “{value.group('unit') or 'no unit'}”: the panel gives it in "
            f"{' or '.join(sorted(units))}; use that unit or give the reference range.",
        )
        for value in values
        if not _unit_known(value.group("unit"), units)
    ][:1]


_TABLE = re.compile(r"<table\b.*?</table>", re.IGNORECASE | re.DOTALL)


def _range_in_prose(analyte: str, sentences: list[str]) -> bool:
    """True when a sentence outside the tables gives this analyte's reference range."""
    name = re.compile(rf"\b{re.escape(analyte)}\b", re.IGNORECASE)
    return any(name.search(s) and _RANGE_GIVEN.search(s) for s in sentences)
