"""While a block is open, nothing that reveals an item's answer reaches its student before the
item may be reviewed, and nothing of another user's reaches them at all: not in the response
of any route (pages, API, schema, docs), nor in any script a page loads, nor in any static
script.

The scan reads the routes from the URL resolver and fetches each one as the student, its
parameters filled with the student's block, its positions, its questions and the other
objects a route names (FILLS). A route whose parameters it cannot fill fails
test_leak_scan_fills_every_route until FILLS says how to fill it.
"""

import itertools
import posixpath
import re
import uuid
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from apps.accounts import services as account_services
from apps.blocks.models import Block
from apps.questions import imports
from apps.questions.formats.base import OptionDraft
from apps.questions.models import VersionStatistics
from tests.blocks.conftest import publish
from tests.routes import Route, project_routes

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

QUESTIONS = 3


def question_data(n: int) -> list[str]:
    """What only a reviewable item of question n may show: its explanations, objective and
    references (all carry the sentinel), its peers' answer count and median time."""
    return [f"LEAK-SENTINEL-{n}-9c1e", str(31337 + n), str(4242 + n)]


DATA = [word for n in range(QUESTIONS) for word in question_data(n)]
# The marks of a revealed key in a page or a response. Static scripts are the same for every
# student and block, so they may name these marks (to draw a review) but hold no data.
MARKS = ["option--correct", "Correct answer", '"key"']
# Other users' own data: another student's note and error report, an editor's import, an
# admin's invite.
PRIVATE = ["PRIVATE-NOTE-7d2f", "private-7d2f.json", "private-7d2f@example.com"]

# What each route parameter is filled with, by the path segment before it: an attribute of
# Scene, a list of values.
FILLS = {
    # The student's open block, and another student's ended one (not found: own data only).
    "blocks/<uuid:public_id>": "blocks",
    "item/<int:position>": "positions",
    "review/<int:position>": "positions",
    "bank/<vq:public_id>": "questions",
    "questions/<vq:public_id>": "questions",
    "tokens/<uuid:public_id>": "tokens",
    "people/<uuid:public_id>": "users",
    "users/<uuid:public_id>": "users",
    "invites/<uuid:public_id>": "invites",
    "import/<uuid:public_id>": "imports",
    "imports/<uuid:public_id>": "imports",
    "reports/<uuid:public_id>": "reports",
    "reset/<uidb64>": "reset_uids",
    "<uidb64>/<token>": "reset_tokens",
}
# Namespaces whose routes with parameters the scan does not fill, each with why.
UNFILLED_NAMESPACES = {
    "admin": "Django's admin sends whoever is not active staff, as the student is not, to its "
    "login page before any admin view runs: the scan fetches the admin's routes without "
    "parameters, which show that page.",
}

ROUTES = list(project_routes())
SCANNED = [
    route for route in ROUTES if not (route.parameters and route.namespace in UNFILLED_NAMESPACES)
]


@dataclass
class Scene:
    """A student with a block open, what the scan fills routes with, and what it looks for."""

    block: Block
    hidden: list[str]  # the data of the block's items that may not be reviewed yet
    revealed: list[str]  # the data of those that may (a submitted tutor item)
    responses: dict[str, str]  # what the writes that set the scene up answered
    blocks: list[str]
    positions: list[str]
    questions: list[str]
    tokens: list[str]
    users: list[str]
    invites: list[str]
    imports: list[str]
    reports: list[str]
    reset_uids: list[str]
    reset_tokens: list[str]


@dataclass
class Scan:
    bodies: dict[str, str] = field(default_factory=dict)  # by URL, redirects followed
    scripts: dict[str, str] = field(default_factory=dict)  # by address: loaded, or on disk
    loaded: set[str] = field(default_factory=set)  # the addresses of those the pages load

    def found(self, words: list[str], *, in_scripts: bool = False) -> dict[str, list[str]]:
        texts = self.scripts if in_scripts else self.bodies
        found = {where: _found(text, words) for where, text in texts.items()}
        return {where: words for where, words in found.items() if words}


def _found(text: str, words: list[str]) -> list[str]:
    # A number counts only on its own: a UUID, a token or a timestamp may hold its digits.
    return [
        word
        for word in words
        if (re.search(rf"(?<![\w-]){word}(?![\w-])", text) if word.isdigit() else word in text)
    ]


@pytest.fixture
def secrets(editor):
    questions = []
    for n in range(QUESTIONS):
        sentinel, responses, median = question_data(n)
        options = [
            OptionDraft(f"Choice {letter}{n}", f"{sentinel} {letter}", letter == "D")
            for letter in "ABCDE"
        ]
        question = publish(
            editor,
            stem=f"Vignette {n}.",
            options=options,
            explanation=f"{sentinel} explanation",
            objective=f"{sentinel} objective",
            references=[f"{sentinel} reference"],
        )
        VersionStatistics.objects.create(
            version=question.published_version,
            responses=int(responses),
            correct=20000,
            option_counts={
                "A": 1000,
                "B": 2000,
                "C": 3000,
                "D": 20000,
                "E": int(responses) - 26000,
            },
            median_seconds=float(median),
            computed_at=timezone.now(),
        )
        questions.append(question)
    return {question.pk: question_data(n) for n, question in enumerate(questions)}


def _post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def _changes(client, block_id, *changes):
    """Send (position, field, value) changes as the exam client does."""
    now = timezone.now().isoformat()
    body = {
        "client_now": now,
        "changes": [
            {"id": str(uuid.uuid4()), "position": p, "field": f, "value": v, "client_time": now}
            for p, f, v in changes
        ],
    }
    return _post(client, reverse("block_changes", args=[block_id]), body)


@pytest.fixture
def scene(client, student, other_student, editor, admin_user, secrets):
    """Build the scene for a block with this feedback, `client` signed in as its student."""

    def build(feedback: str) -> Scene:
        other = Client()
        other.force_login(other_student)
        theirs = _post(other, reverse("blocks"), {"count": QUESTIONS}).json()["public_id"]
        _changes(other, theirs, (1, "note", PRIVATE[0]), (1, "answer", "A"))
        _post(other, reverse("block_end", args=[theirs]))
        job = imports.import_job_create(
            user=editor, filename=PRIVATE[1], data=b"[]", format="native"
        )
        invite, _ = account_services.invite_create(created_by=admin_user, email=PRIVATE[2])
        token, _ = account_services.api_token_create(user=student, name="Phone")

        client.force_login(student)
        responses = {}

        def write(what, response):
            responses[f"{what} ({response.request['REQUEST_METHOD']})"] = _text(response)
            return response

        created = write(
            "create", _post(client, reverse("blocks"), {"count": QUESTIONS, "feedback": feedback})
        )
        mine = created.json()["public_id"]
        block = Block.objects.get(public_id=mine)
        items = {item.position: item for item in block.items.select_related("question")}
        reported = reverse("question_report", args=[items[1].question.public_id])
        _post(other, reported, {"note": PRIVATE[0]})
        report = write("report", _post(client, reported, {"note": "Typo in the stem."}))
        if feedback == "exam":
            for position in items:
                write(f"answer {position}", _changes(client, mine, (position, "answer", "D")))
            # Ignored in exam feedback: it reveals nothing.
            write("submit 1", _changes(client, mine, (1, "submit", "D")))
            write("suspend", _post(client, reverse("block_suspend", args=[mine])))
            write("resume", _post(client, reverse("block_resume", args=[mine])))
            revealed = []
        else:
            write("submit 1", _changes(client, mine, (1, "answer", "D"), (1, "submit", "D")))
            # Item 2 answered and marked, not submitted; item 3 untouched.
            write("answer 2", _changes(client, mine, (2, "answer", "A"), (2, "marked", True)))
            revealed = [1]
        return Scene(
            block=block,
            hidden=[
                word
                for position, item in items.items()
                if position not in revealed
                for word in secrets[item.question_id]
            ],
            revealed=[
                word for position in revealed for word in secrets[items[position].question_id]
            ],
            responses=responses,
            blocks=[mine, theirs],
            positions=[str(position) for position in items],
            questions=[item.question.public_id for item in items.values()],
            tokens=[str(token.public_id)],
            users=[str(student.public_id), str(other_student.public_id)],
            invites=[str(invite.public_id)],
            imports=[str(job.public_id)],
            reports=[report.json()["public_id"]],
            reset_uids=[urlsafe_base64_encode(force_bytes(student.pk))],
            reset_tokens=[default_token_generator.make_token(student)],
        )

    return build


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace")


def _urls(route: Route, scene: Scene) -> list[str]:
    """The route with every combination of the values that fill its parameters."""
    missing = [key for _, key in route.parameters if key not in FILLS]
    if missing:
        pytest.fail(f"The leak scan cannot fill {route}: nothing in FILLS fills {missing}.")
    names = [name for name, _ in route.parameters]
    values = [getattr(scene, FILLS[key]) for _, key in route.parameters]
    return [
        route.url(**dict(zip(names, chosen, strict=True))) for chosen in itertools.product(*values)
    ]


def _scripts(client, html: str) -> dict[str, str]:
    """The scripts a page loads, and the modules they import: static ones read from disk as
    the browser would fetch them, others (such as the API docs' own) fetched."""
    pending = re.findall(r'<script[^>]+src="([^"]+)"', html)
    seen: dict[str, str] = {}
    while pending:
        source = pending.pop()
        if source in seen:
            continue
        if source.startswith("/static/"):
            path = finders.find(source.removeprefix("/static/"))
            with open(path, encoding="utf-8") as script:
                seen[source] = script.read()
        else:
            seen[source] = _text(client.get(source))
        folder = posixpath.dirname(source)
        for imported in re.findall(r'from "(\./[^"]+)";', seen[source]):
            pending.append(posixpath.normpath(posixpath.join(folder, imported)))
    return seen


def _static_scripts() -> dict[str, str]:
    """Every script the static finders serve, the project's and vendored ones alike."""
    scripts = {}
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            if path.endswith((".js", ".mjs")):
                with storage.open(path) as script:
                    scripts.setdefault(f"/static/{path}", script.read().decode("utf-8"))
    return scripts


def _scan(client, scene: Scene) -> Scan:
    """Fetch every route as the student with every filling, following redirects."""
    scan = Scan(bodies=dict(scene.responses))
    for route in SCANNED:
        for url in _urls(route, scene):
            response = client.get(url, follow=True)
            scan.bodies[url] = _text(response)
            scan.scripts |= _scripts(client, scan.bodies[url])
    scan.loaded = set(scan.scripts)
    scan.scripts |= _static_scripts()
    return scan


def test_leak_scan_fills_every_route():
    unfilled = [
        f"{route}: nothing fills {key}"
        for route in SCANNED
        for _, key in route.parameters
        if key not in FILLS
    ]
    used = {key for route in SCANNED for _, key in route.parameters}
    namespaces = {route.namespace for route in ROUTES}

    assert unfilled == [], (
        "The leak scan cannot fetch these routes. Say in FILLS what fills each parameter (a "
        "value the student may reach, or another user's), or in UNFILLED_NAMESPACES why not:\n"
        + "\n".join(unfilled)
    )
    assert set(FILLS) - used == set()
    assert set(UNFILLED_NAMESPACES) - namespaces == set()


@pytest.mark.parametrize("feedback", ["exam", "tutor"])
def test_leak_scan_of_an_open_block(client, student, scene, feedback):
    scene = scene(feedback)

    scan = _scan(client, scene)

    scene.block.refresh_from_db()
    assert scene.block.status == Block.Status.OPEN
    assert not student.is_staff  # as UNFILLED_NAMESPACES assumes
    # The exam page's modules, imported by its own; the API docs' script, served by a view.
    assert {"/static/js/exam/outbox.js", "/api/v1/docs/?script="} <= scan.loaded
    assert scan.found(scene.hidden + PRIVATE) == {}
    # Only what shows a reviewable item may carry the marks of a key.
    assert {
        where: words
        for where, words in scan.found(MARKS).items()
        if where not in scan.found(scene.revealed)
    } == {}
    assert scan.found(DATA + PRIVATE, in_scripts=True) == {}
    # The submitted tutor item does show: the scan would see it.
    shown = {word for words in scan.found(scene.revealed).values() for word in words}
    assert shown == set(scene.revealed)


@pytest.mark.parametrize("feedback", ["exam", "tutor"])
def test_leak_scan_control_the_same_block_reveals_everything_once_ended(client, scene, feedback):
    scene = scene(feedback)
    _post(client, reverse("block_end", args=[scene.block.public_id]))

    scan = _scan(client, scene)

    found = {
        word
        for words in scan.found(scene.hidden + scene.revealed + MARKS).values()
        for word in words
    }
    assert found == set(scene.hidden + scene.revealed + MARKS)
    assert scan.found(PRIVATE) == {}
