"""Issue 8, hostile input: no payload of the XSS corpus ends up executable, whichever way it
comes in (every field of the editor, the API, every import format) and wherever it is stored or
shown (the rendered fields, the item rendering, the pages of the bank).

Each route is batched: one request carries one payload in every field, and one file per import
format carries one item per payload. A page counts as clean when it has exactly the executable
parts (its own forms and module scripts) of the same page for a harmless question.
"""

import os
import re
import uuid
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.html import escape

from apps.questions import services
from apps.questions.content import LETTERS, MAX_OPTIONS
from apps.questions.formats import FORMATS, csv_format, moodle, native, qti
from apps.questions.formats.base import ImageDraft, ImportSource, ItemDraft, OptionDraft
from apps.questions.formats.markup import image_references, plain_to_html
from apps.questions.models import Question, QuestionVersion
from apps.questions.rendering import render_item
from tests.questions.conftest import make_draft, png_bytes
from tests.questions.test_imports import Importer

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

FULL_CORPUS = [
    line.replace("\\n", "\n")
    for line in (Path(__file__).parent / "xss_corpus.txt").read_text().splitlines()
    if line.strip()
]
# `make test` sends every fourth payload down every path; `make fuzz` (VIGNETTE_FUZZ=full) all.
CORPUS = FULL_CORPUS if os.environ.get("VIGNETTE_FUZZ") == "full" else FULL_CORPUS[::4]
PLACE = {"exam": "step1", "discipline": "pathology", "system": "cardiovascular"}

# --- What counts as executable ----------------------------------------------------------------

# Elements that run script or load active content however their attributes are set.
ACTIVE_ELEMENTS = {
    "script", "iframe", "frame", "object", "embed", "applet", "base", "form", "svg", "math",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "background", "poster",
    "lowsrc", "dynsrc", "srcset",
}  # fmt: skip
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
SAFE_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp)[;,]")
# Browsers ignore whitespace and control characters inside a URL's scheme.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")
_CSS_NOISE = re.compile(r"/\*.*?\*/|[\x00-\x20\x7f-\x9f\s\\'\"]+", re.S)


def _dangerous_url(tag: str, attribute: str, value: str) -> bool:
    # The parser has already decoded character references (&#106; and the like).
    candidates = value.split(",") if attribute == "srcset" else [value]
    for candidate in candidates:
        url = _URL_NOISE.sub("", candidate).lower()
        if not url.startswith(DANGEROUS_SCHEMES):
            continue
        if tag == "img" and attribute == "src" and SAFE_DATA_IMAGE.match(url):
            continue
        return True
    return False


def _dangerous_style(value: str) -> bool:
    css = _CSS_NOISE.sub("", value).lower()
    return "expression(" in css or "url(javascript" in css or "url(vbscript" in css


class _ExecutableFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        start = self.get_starttag_text() or f"<{tag}>"
        reasons = []
        if tag in ACTIVE_ELEMENTS:
            reasons.append(f"<{tag}> element")
        if tag == "meta" and any(name == "http-equiv" for name, _ in attrs):
            reasons.append("<meta http-equiv>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                reasons.append(f"event handler {name}")
            if name in URL_ATTRIBUTES and _dangerous_url(tag, name, value):
                reasons.append(f"{name} with a script or data URL")
            if name == "style" and _dangerous_style(value):
                reasons.append("style with expression() or url(javascript:)")
        self.found += [(reason, start) for reason in reasons]

    handle_startendtag = handle_starttag


def executable(markup: str) -> list[tuple[str, str]]:
    """Every (reason, start tag) in the HTML that could run script: what this module forbids."""
    finder = _ExecutableFinder()
    finder.feed(markup)
    finder.close()
    return finder.found


@pytest.mark.parametrize(
    ("snippet", "reasons"),
    [
        ("<script>alert(1)</script>", ["<script> element"]),
        ("<p>x<SCRIPT SRC=//evil.example/x.js></SCRIPT></p>", ["<script> element"]),
        (
            '<iframe srcdoc="x"></iframe><object data=x></object>',
            ["<iframe> element", "<object> element"],
        ),
        (
            '<embed src="x"><base href="https://evil.example/">',
            ["<embed> element", "<base> element"],
        ),
        (
            '<form action="/x"><button formaction="javascript:alert(1)">x</button></form>',
            ["<form> element", "formaction with a script or data URL"],
        ),
        ('<meta http-equiv="refresh" content="0;url=/">', ["<meta http-equiv>"]),
        ("<svg/onload=alert(1)>", ["<svg> element", "event handler onload"]),
        ("<math><mi>x</mi></math>", ["<math> element"]),
        ('<img src="/media/a.png" onerror="alert(1)">', ["event handler onerror"]),
        ("<div onmouseover=alert(1)>x</div>", ["event handler onmouseover"]),
        ('<a href="jav&#x09;ascript:alert(1)">x</a>', ["href with a script or data URL"]),
        ('<a href=" &#106;AVASCRIPT&#58;alert(1)">x</a>', ["href with a script or data URL"]),
        ('<a href="vbscript:msgbox(1)">x</a>', ["href with a script or data URL"]),
        ('<a href="data:text/html,x">x</a>', ["href with a script or data URL"]),
        ('<a href="data:image/png;base64,AAAA">x</a>', ["href with a script or data URL"]),
        ('<img src="data:image/svg+xml;base64,AAAA">', ["src with a script or data URL"]),
        ('<a xlink:href="javascript:alert(1)">x</a>', ["xlink:href with a script or data URL"]),
        (
            '<img srcset="/media/a.png 1x, javascript:alert(1) 2x">',
            ["srcset with a script or data URL"],
        ),
        (
            "<p style=\"background:url('java\\script:alert(1)')\">x</p>",
            ["style with expression() or url(javascript:)"],
        ),
        (
            '<div style="width: EXPRES/**/SION(alert(1))">x</div>',
            ["style with expression() or url(javascript:)"],
        ),
    ],
)
def test_executable_finds_what_could_run(snippet, reasons):
    assert [reason for reason, _ in executable(snippet)] == reasons


@pytest.mark.parametrize(
    "snippet",
    [
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        "<code>&lt;iframe src=javascript:alert(1)&gt;</code>",
        "<p>onerror=alert(1) javascript:alert(1)</p>",
        '<p title="onclick">x</p>',
        '<a href="https://example.org/javascript:alert(1)" rel="noopener">x</a>',
        '<img src="/media/questions/a.png" alt="javascript:alert(1)">',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        '<p style="color: red">x</p>',
        '<meta charset="utf-8"><link rel="icon" href="/static/favicon.svg">',
        "<table><tr><td colspan=2>Na<sup>+</sup></td></tr></table>",
    ],
)
def test_executable_passes_what_cannot_run(snippet):
    assert executable(snippet) == []


# --- Helpers ----------------------------------------------------------------------------------


def _marker(number: int) -> str:
    """Text that keeps an item valid (not blank, options distinct) and tells it apart."""
    return f"Case {number:03d}"


def _number(text: str) -> int:
    return int(re.search(r"Case (\d{3})", text)[1])


def _stored_html(version: QuestionVersion) -> dict[str, str]:
    fields = {
        name: getattr(version, name)
        for name in ("stem_html", "lead_in_html", "explanation_html", "objective_html")
    }
    for option in version.options.all():
        fields[f"option {option.letter} text_html"] = option.text_html
        fields[f"option {option.letter} explanation_html"] = option.explanation_html
    return fields


def _api_html(body: dict) -> dict[str, str]:
    latest = body["latest"]
    fields = {
        name: latest[name]
        for name in ("stem_html", "lead_in_html", "explanation_html", "objective_html")
    }
    for option in latest["options"]:
        fields[f"option {option['letter']} text_html"] = option["text_html"]
        fields[f"option {option['letter']} explanation_html"] = option["explanation_html"]
    return fields


def _page_findings(response, question: Question) -> list[tuple[str, str]]:
    """What the page could run, with the question's id made neutral so that pages of
    different questions compare; the page's own forms and module scripts are among it."""
    assert response.status_code == 200
    page = response.content.decode().replace(question.public_id, "VQ-XXXXXX")
    return sorted(executable(page))


class Failures:
    """Everything executable found, by payload and place: one assertion shows them all."""

    def __init__(self):
        self.found: dict[tuple[int | None, str], list] = {}

    def check(self, number: int, where: str, markup: str) -> None:
        if found := executable(markup):
            self.found[(number, where)] = found

    def check_page(self, number: int | None, where: str, found: list, expected: list) -> None:
        # Exactly the page's own findings: a payload adds none, and removes none by breaking
        # the page's structure around it.
        if found != expected:
            extra = Counter(found) - Counter(expected)
            missing = Counter(expected) - Counter(found)
            self.found[(number, where)] = [
                *extra.elements(),
                *(("missing from the page", start) for _, start in missing.elements()),
            ]

    def report(self) -> dict[tuple[str, str], list[tuple[str, str]]]:
        return {
            ("every payload" if n is None else CORPUS[n], where): found
            for (n, where), found in sorted(self.found.items(), key=lambda entry: str(entry[0]))
        }


@pytest.fixture
def importer(django_capture_on_commit_callbacks):
    return Importer(django_capture_on_commit_callbacks)


def test_corpus_holds_at_least_100_payloads():
    assert len(FULL_CORPUS) >= 100
    assert len(set(FULL_CORPUS)) == len(FULL_CORPUS)


# --- 1. The editor ----------------------------------------------------------------------------


def _editor_form(number: int, payload: str) -> dict[str, str]:
    """The payload in every field of the editor at once; ten options, A correct."""
    form = {
        **PLACE,
        "tags": payload,
        "stem": payload,
        "lead_in": f"{_marker(number)}: {payload}",
        "correct": "A",
        "explanation": payload,
        "objective": payload,
        "references": payload,
        # The references are not on the vetted list, so the waiver's reason is shown.
        "waivers": f"references: {payload}".replace("\n", " "),
    }
    for index, letter in enumerate(LETTERS[:MAX_OPTIONS]):
        form[f"option_{index}"] = f"{letter}{number}: {payload}"
        form[f"explanation_{index}"] = payload
    return form


def _benign_form() -> dict[str, str]:
    return _editor_form(0, "Chest pain after exertion.")


def test_editor_fields_never_store_or_serve_a_payload_executable(client, author, editor):
    client.force_login(author)
    pages = ("detail", "edit", "history")

    def publish_and_revise(question: Question) -> None:
        # A second version, so that the history page shows the payload in its diff.
        services.question_publish(question=question, user=editor)
        services.question_update(question=question, user=author, draft=make_draft())

    def save(form) -> Question:
        response = client.post(reverse("questions:new"), form)
        assert response.status_code == 302, response.content.decode()[-2000:]
        return Question.objects.latest("pk")

    def served(question: Question, page: str):
        if page == "history":
            publish_and_revise(question)
        return client.get(reverse(f"questions:{page}", args=[question.public_id]))

    benign = save(_benign_form())
    expected = {page: _page_findings(served(benign, page), benign) for page in pages}
    failures = Failures()
    saved = []
    shown = []

    for number, payload in enumerate(CORPUS):
        question = save(_editor_form(number, payload))
        version = question.latest_version
        saved.append((version.stem_source, version.options.count(), len(version.waivers)))
        for field, markup in _stored_html(version).items():
            failures.check(number, f"editor, stored {field}", markup)
        for page in pages:
            response = served(question, page)
            # The payload is on the page as text: what is checked is not a page without it.
            shown.append(escape(payload.strip().splitlines()[0]) in response.content.decode())
            found = _page_findings(response, question)
            failures.check_page(number, f"editor, {page} page", found, expected[page])

    assert saved == [(payload.strip(), MAX_OPTIONS, 1) for payload in CORPUS]
    assert shown == [True] * len(pages) * len(CORPUS)
    assert failures.report() == {}


# --- 2. The API -------------------------------------------------------------------------------


def _api_question(number: int, payload: str, markup: str) -> dict:
    return {
        **PLACE,
        "markup": markup,
        # A tag holds at most 60 characters: the payload goes in pieces.
        "tags": [payload[start : start + 60] for start in range(0, len(payload), 60)],
        "stem": payload,
        "lead_in": f"{_marker(number)}: {payload}",
        "options": [
            {"text": f"{letter}{number}: {payload}", "explanation": payload, "correct": index == 0}
            for index, letter in enumerate(LETTERS[:MAX_OPTIONS])
        ],
        "explanation": payload,
        "objective": payload,
        "references": [payload],
        "waivers": {"references": payload},
    }


@pytest.mark.parametrize("markup", ["markdown", "html"])
def test_api_create_and_read_never_return_a_payload_executable(api_as, author, markup):
    client = api_as(author)
    failures = Failures()
    statuses = []

    for number, payload in enumerate(CORPUS):
        created = client.post(
            reverse("questions"), _api_question(number, payload, markup), format="json"
        )
        if created.status_code != 201:
            statuses.append((number, created.status_code, created.json()))
            continue
        read = client.get(reverse("question", args=[created.json()["public_id"]]))
        statuses.append((number, read.status_code, created["Content-Type"], read["Content-Type"]))
        assert created.json() == read.json()
        for field, markup_html in _api_html(created.json()).items():
            failures.check(number, f"API {markup}, created {field}", markup_html)
        for field, markup_html in _api_html(read.json()).items():
            failures.check(number, f"API {markup}, read {field}", markup_html)
        question = Question.objects.latest("pk")
        for field, markup_html in _stored_html(question.latest_version).items():
            failures.check(number, f"API {markup}, stored {field}", markup_html)

    assert statuses == [
        (number, 200, "application/json", "application/json") for number in range(len(CORPUS))
    ]
    assert failures.report() == {}


# --- 3. Every import format -------------------------------------------------------------------


_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
FIGURE = png_bytes()


def _figures(payload: str) -> list[ImageDraft]:
    """A PNG for each image the payload names by a relative path. QTI refuses an item whose
    images are not in its package; every format then stores them and points the payload's
    <img> at /media/, which the sanitiser keeps: what else the tag holds must still go."""
    names = {
        source
        for source, _ in image_references(payload, "html")
        if source and not source.startswith("/") and not _URL_SCHEME.match(source)
    }
    return [ImageDraft(name=name, data=FIGURE, alt="figure") for name in sorted(names)]


def _import_draft(number: int, payload: str, markup: str) -> ItemDraft:
    return ItemDraft(
        position=number + 1,
        markup=markup,
        uid=str(uuid.UUID(int=number + 1)),
        title=payload,
        **PLACE,
        tags=[payload],
        stem=payload,
        lead_in=f"{_marker(number)}: {payload}",
        options=[
            OptionDraft(f"{letter}{number}: {payload}", payload, index == 0)
            for index, letter in enumerate(LETTERS[:4])
        ],
        explanation=payload,
        objective=payload,
        references=[payload],
        waivers={"references": payload},
        images=_figures(payload) if markup == "html" else [],
    )


def _drafts(markup: str) -> list[ItemDraft]:
    return [_import_draft(number, payload, markup) for number, payload in enumerate(CORPUS)]


def _gift_escape(text: str) -> str:
    return "".join(f"\\{char}" if char in "~=#{}:\\" else char for char in text)


def _gift() -> bytes:
    """By hand, as the parser reads GIFT: [html] text, so the payload reaches the bank as HTML."""
    questions = []
    for number, payload in enumerate(CORPUS):
        text = _gift_escape
        answers = [
            f"{'=' if index == 0 else '~'}{text(f'{letter}{number}: {payload}')} #{text(payload)}"
            for index, letter in enumerate(LETTERS[:4])
        ]
        questions.append(
            "\n".join(
                [
                    f"::{text(payload)}:: [html]{text(payload)}",
                    f"{text(_marker(number))} {{",
                    *answers,
                    f"#### {text(payload)}",
                    "}",
                ]
            )
        )
    return ("// Hostile input, one question per payload.\n\n" + "\n\n".join(questions)).encode()


def _aiken() -> bytes:
    """By hand, as the parser reads Aiken: question lines, one line per option, ANSWER."""
    items = []
    for number, payload in enumerate(CORPUS):
        line = payload.replace("\n", " ")
        items += [
            payload,
            _marker(number),
            *(f"{letter}. {letter}{number}: {line}" for letter in LETTERS[:4]),
            "ANSWER: A",
            "",
        ]
    return "\n".join(items).encode()


def _csv() -> bytes:
    return csv_format.render(_drafts("markdown")).data


IMPORT_FILES = {
    "native": ("bank.json", lambda: native.render(_drafts("html")).data),
    "qti": ("package.zip", lambda: qti.render(_drafts("html")).data),
    "moodle": ("quiz.xml", lambda: moodle.render(_drafts("html")).data),
    "gift": ("questions.gift", _gift),
    "aiken": ("questions.txt", _aiken),
    "csv": ("questions.csv", _csv),
}


def _aiken_stem(number: int, payload: str) -> str:
    lines = [line.strip() for line in payload.split("\n") if line.strip()]
    return plain_to_html("\n".join([*lines, _marker(number)]))


# The stem each format's parser reads back from its file: the payload as written (HTML, or
# Markdown for CSV), not a harmless rewrite of it; Aiken is plain text by definition.
PARSED_STEMS = {
    "native": lambda number, payload: payload,
    "moodle": lambda number, payload: payload.strip(),
    "gift": lambda number, payload: f"{payload.strip()}\n{_marker(number)}",
    "aiken": _aiken_stem,
    "csv": lambda number, payload: payload.strip(),
}


@pytest.mark.parametrize("file_format", list(PARSED_STEMS))
def test_import_files_carry_every_payload_as_written(file_format):
    filename, build = IMPORT_FILES[file_format]

    parsed = FORMATS[file_format].parse(ImportSource(filename=filename, data=build()))

    assert (parsed.errors, parsed.skipped) == ([], [])
    assert [draft.stem for draft in parsed.items] == [
        PARSED_STEMS[file_format](number, payload) for number, payload in enumerate(CORPUS)
    ]


@pytest.mark.parametrize("file_format", list(IMPORT_FILES))
def test_imports_never_store_render_or_serve_a_payload_executable(
    client, author, importer, settings, tmp_path, file_format
):
    settings.MEDIA_ROOT = tmp_path
    filename, build = IMPORT_FILES[file_format]
    benign = services.question_create(user=author, draft=make_draft())
    client.force_login(author)
    expected = _page_findings(
        client.get(reverse("questions:detail", args=[benign.public_id])), benign
    )
    benign_job = importer.load(author, native.render([make_draft()]).data, filename="one.json")
    expected_report = sorted(
        executable(
            client.get(reverse("questions:import", args=[benign_job.public_id])).content.decode()
        )
    )

    job = importer.load(
        author,
        build(),
        filename=filename,
        format=file_format,
        source="hostile",
        defaults=PLACE,
        only_valid=True,
    )

    refused = {
        item["position"]: item["message"]
        for item in job.report["items"]
        if item["action"] != "create"
    }
    assert (job.format, job.status) == (file_format, "done")
    # Every format carries every payload: the QTI writer keeps names XML cannot hold as text.
    assert refused == {}
    assert job.report["counts"]["create"] == len(CORPUS) - len(refused)
    failures = Failures()
    report = client.get(reverse("questions:import", args=[job.public_id]))
    failures.check_page(
        None,
        f"{file_format}, import report page",
        sorted(executable(report.content.decode())),
        expected_report,
    )
    imported = (
        Question.objects.filter(source=job.source)
        .select_related("latest_version")
        .prefetch_related("latest_version__options")
    )
    numbers = []
    for question in imported:
        version = question.latest_version
        number = _number(version.lead_in_source + version.stem_source)
        numbers.append(number)
        for field, markup in _stored_html(version).items():
            failures.check(number, f"{file_format}, stored {field}", markup)
        for reveal in (True, False):
            failures.check(
                number,
                f"{file_format}, render_item reveal={reveal}",
                render_item(version, reveal=reveal),
            )
        found = _page_findings(
            client.get(reverse("questions:detail", args=[question.public_id])), question
        )
        failures.check_page(number, f"{file_format}, detail page", found, expected)

    assert sorted(numbers) == [n for n in range(len(CORPUS)) if n + 1 not in refused]
    assert failures.report() == {}
