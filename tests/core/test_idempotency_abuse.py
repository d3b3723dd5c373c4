"""Hostile Idempotency-Key input, against every endpoint that honours the header (issue 8).

What apps.core.idempotency promises: a request without the header runs as usual; a key is 1 to
255 printable characters, or the request is refused with 400; the same key with the same
request gives the stored answer, with another request 422; keys belong to one user; and a
request that fails frees its key. A WSGI server hands Django header bytes decoded as Latin-1,
so the non-ASCII keys here are sent as Django receives them (`_received`).
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.blocks.models import Block, BlockItem, Change, QuestionState, ReportDue
from apps.core.models import IdempotencyKey
from apps.questions.formats import native
from apps.questions.models import ImportJob, Question, QuestionVersion
from tests.blocks.conftest import publish
from tests.factories import UserFactory
from tests.questions.conftest import make_draft

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

HEADER = "Idempotency-Key"
BANK = native.render([make_draft(uid=str(uuid.UUID(int=1)))]).data
OTHER_BANK = native.render([make_draft(uid=str(uuid.UUID(int=2)), stem="Another case.")]).data
UNKNOWN = str(uuid.UUID(int=7))  # no block or import has this id

BAD_KEY = {
    "error": {
        "code": "invalid",
        "message": "Some of the input is not valid.",
        "fields": {HEADER: ["Use 1 to 255 printable characters."]},
    }
}
REUSED = {
    "error": {
        "code": "idempotency_key_reused",
        "message": "This Idempotency-Key was used with a different request.",
        "fields": {},
    }
}


def _received(text: str) -> str:
    """A header value as Django gets it from a WSGI server: the UTF-8 bytes read as Latin-1."""
    return text.encode().decode("latin-1")


def _error(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


# --- The endpoints -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """A first request, with the key, that is refused; `target` UNKNOWN means no such object."""

    body: Any
    status: int
    error: dict
    target: str | None = None


@dataclass(frozen=True)
class Endpoint:
    name: str  # the URL's name
    ok: int  # the status of a request that works
    body: Any  # the request's usual body (None: none); a tuple is a file (name, content)
    other_body: Any  # another body, with the same key
    again: int  # the status of the usual request sent a second time, without a key
    again_error: dict | None
    failure: Failure
    arrange: str = ""  # the state of the object acted on: "open" or "suspended" block, import

    @property
    def targeted(self) -> bool:
        return bool(self.arrange)

    @property
    def for_blocks(self) -> bool:
        return self.name.startswith("block")


NO_BLOCK = _error("not_found", "No such block.")
NOT_SUSPENDABLE = _error(
    "conflict", "This block is suspended; only an open block can be suspended."
)
IGNORED = {"note": "A body this action does not read."}

BLOCK_CREATE = Endpoint(
    name="blocks",
    ok=201,
    body={"count": 1},
    other_body={"count": 2},
    again=201,
    again_error=None,
    failure=Failure(
        body={"count": 3},
        status=400,
        error=_error(
            "invalid",
            "Only 2 question(s) match these choices.",
            {"count": ["Only 2 question(s) match; ask for 2 or fewer."]},
        ),
    ),
)
BLOCK_SUSPEND = Endpoint(
    name="block_suspend",
    ok=200,
    body=None,
    other_body=IGNORED,
    again=409,
    again_error=NOT_SUSPENDABLE,
    failure=Failure(body=None, status=404, error=NO_BLOCK, target=UNKNOWN),
    arrange="open",
)
BLOCK_RESUME = Endpoint(
    name="block_resume",
    ok=200,
    body=None,
    other_body=IGNORED,
    again=200,
    again_error=None,
    failure=Failure(body=None, status=404, error=NO_BLOCK, target=UNKNOWN),
    arrange="suspended",
)
BLOCK_END = Endpoint(
    name="block_end",
    ok=200,
    body=None,
    other_body=IGNORED,
    again=200,
    again_error=None,
    failure=Failure(body=None, status=404, error=NO_BLOCK, target=UNKNOWN),
    arrange="open",
)
IMPORT_CREATE = Endpoint(
    name="imports",
    ok=201,
    body={"file": ("bank.json", BANK)},
    other_body={"file": ("bank.json", OTHER_BANK)},
    again=201,
    again_error=None,
    failure=Failure(
        body={"file": ("bank.json", b"")},
        status=400,
        error=_error(
            "invalid", "Some of the input is not valid.", {"file": ["The submitted file is empty."]}
        ),
    ),
)
IMPORT_CONFIRM = Endpoint(
    name="import_confirm",
    ok=200,
    body={},
    other_body={"only_valid": True},
    again=409,
    again_error=_error("conflict", "This import cannot be confirmed now: it is importing."),
    failure=Failure(
        body={"publish": True},
        status=403,
        error=_error("permission_denied", "Publishing imported questions needs the editor role."),
    ),
    arrange="analysed",
)

ENDPOINTS = [BLOCK_CREATE, BLOCK_SUSPEND, BLOCK_RESUME, BLOCK_END, IMPORT_CREATE, IMPORT_CONFIRM]
TARGETED = [endpoint for endpoint in ENDPOINTS if endpoint.targeted]


def over(endpoints):
    return pytest.mark.parametrize(
        "scene", endpoints, indirect=True, ids=[endpoint.name for endpoint in endpoints]
    )


# --- The scene: an owner, an intruder of the same role, and the object acted on ----------------

SAME = object()


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@dataclass
class Scene:
    endpoint: Endpoint
    owner: Any
    owner_client: APIClient
    capture: Any
    request: Any  # pytest's fixture request: the other user is made only where a test needs one
    target: str | None = None

    @property
    def intruder(self):
        name = "other_student" if self.endpoint.for_blocks else "other_author"
        return self.request.getfixturevalue(name)

    @property
    def intruder_client(self) -> APIClient:
        return _client(self.intruder)

    def arrange(self) -> str | None:
        """A new object in the state the endpoint acts on (made without keys), or None."""
        state = self.endpoint.arrange
        if state in ("open", "suspended"):
            block = self.owner_client.post(reverse("blocks"), {"count": 1}, format="json")
            public_id = block.json()["public_id"]
            if state == "suspended":
                suspended = self.owner_client.post(reverse("block_suspend", args=[public_id]))
                assert suspended.json()["status"] == "suspended"
            return public_id
        if state == "analysed":
            with self.capture(execute=True):
                job = self.owner_client.post(
                    reverse("imports"),
                    {"file": SimpleUploadedFile("bank.json", BANK)},
                    format="multipart",
                )
            public_id = job.json()["public_id"]
            assert ImportJob.objects.get(public_id=public_id).status == "analysed"
            return public_id
        return None

    def url(self, target=SAME) -> str:
        target = self.target if target is SAME else target
        return reverse(self.endpoint.name, args=[target] if self.endpoint.targeted else [])

    def send(self, *, key=None, body=SAME, target=SAME, client=None):
        client = client or self.owner_client
        body = self.endpoint.body if body is SAME else body
        headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
        if self.endpoint.name == "imports":
            data = {
                name: SimpleUploadedFile(*value) if isinstance(value, tuple) else value
                for name, value in body.items()
            }
            return client.post(self.url(target), data, format="multipart", **headers)
        return client.post(self.url(target), body, format="json", **headers)

    def send_json(self, text: str, *, key=None, target=SAME):
        """Any JSON text as the body, as a hostile client would send it."""
        headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
        return self.owner_client.post(
            self.url(target), text, content_type="application/json", **headers
        )

    def assert_worked(self, response) -> None:
        assert response.status_code == self.endpoint.ok, response.content
        if self.endpoint.targeted:
            assert response.json()["public_id"] == self.target


@pytest.fixture
def bank(editor):
    """Two published questions: each block here takes one of a student's unused ones."""
    return [publish(editor, stem=f"Case {n}.") for n in range(2)]


@pytest.fixture
def other_author(db):
    return UserFactory(username="frank", roles=[Role.STUDENT, Role.AUTHOR])


@pytest.fixture
def scene(request, django_capture_on_commit_callbacks) -> Scene:
    endpoint: Endpoint = request.param
    if endpoint.for_blocks:
        request.getfixturevalue("bank")
    owner = request.getfixturevalue("student" if endpoint.for_blocks else "author")
    scene = Scene(
        endpoint=endpoint,
        owner=owner,
        owner_client=_client(owner),
        capture=django_capture_on_commit_callbacks,
        request=request,
    )
    scene.target = scene.arrange()
    return scene


TABLES = (
    Block,
    BlockItem,
    Change,
    QuestionState,
    ReportDue,
    ImportJob,
    Question,
    QuestionVersion,
    IdempotencyKey,
)


def _rows() -> dict[str, list[dict]]:
    """Every row a request here could write, by table, in primary-key order."""
    return {
        model._meta.label: [
            {name: bytes(v) if isinstance(v, memoryview) else v for name, v in row.items()}
            for row in model.objects.order_by("pk").values()
        ]
        for model in TABLES
    }


def _new_rows(before: dict, after: dict) -> dict[str, list[dict]]:
    """The rows added since `before`, once the rows that were there are shown unchanged."""
    for table, rows in before.items():
        assert after[table][: len(rows)] == rows, f"{table} rows changed"
    return {
        table: rows[len(before[table]) :]
        for table, rows in after.items()
        if rows[len(before[table]) :]
    }


# --- No key, and keys of every shape ---------------------------------------------------------


@over(ENDPOINTS)
def test_without_a_key_every_request_runs_and_nothing_is_kept(scene):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        first = scene.send()
        clock.shift(timedelta(seconds=60))
        second = scene.send()

    scene.assert_worked(first)
    assert second.status_code == scene.endpoint.again
    if scene.endpoint.again_error:
        assert second.json() == scene.endpoint.again_error
    elif scene.endpoint.targeted:
        assert second.json()["public_id"] == scene.target
    else:  # a second object, not the first one's answer again
        assert second.json()["public_id"] != first.json()["public_id"]
    if scene.endpoint is BLOCK_RESUME:  # resumed again, a minute later: a fresh answer
        assert second.json()["seconds_left"] == first.json()["seconds_left"] - 60
    assert IdempotencyKey.objects.count() == 0


BAD_KEYS = {
    "empty": "",
    "blank": "   ",
    "256-characters": "k" * 256,
    "10000-characters": "k" * 10_000,
    "header-injection": "key\r\nX-Evil: 1",
    "nul": "key\x00",
    "delete": "key\x7f",
    "c1-control": "key\x85",
    # "ключ" in UTF-8 holds the bytes 0x8E and 0x87, C1 controls once read as Latin-1.
    "utf8-cyrillic": _received("ключ"),
}


@over(ENDPOINTS)
@pytest.mark.parametrize("key", BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_a_bad_key_is_refused_and_changes_nothing(scene, key):
    before = _rows()

    response = scene.send(key=key)

    assert response.status_code == 400
    assert response.json() == BAD_KEY
    assert _rows() == before


GOOD_KEYS = {
    "255-characters": "k" * 255,
    "uuid": str(uuid.UUID(int=42)),
    "punctuation": "!#$%&'*+-.^_`|~:/=?@[]{}\"(),;<>\\ k",
    "utf8-accented": _received("café"),  # "cafÃ©"
    "latin1-255-characters": "é" * 255,  # 255 bytes of obs-text, 510 in UTF-8
}


@over(ENDPOINTS)
@pytest.mark.parametrize("key", GOOD_KEYS.values(), ids=GOOD_KEYS.keys())
def test_a_good_key_is_kept_whole_and_replays_the_answer(scene, key):
    first = scene.send(key=key)
    before = _rows()

    again = scene.send(key=key)

    scene.assert_worked(first)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert _rows() == before
    assert list(IdempotencyKey.objects.values_list("user", "key")) == [(scene.owner.pk, key)]


# --- The same key again ----------------------------------------------------------------------


@over(ENDPOINTS)
def test_the_same_key_and_body_replay_the_stored_answer_and_act_once(scene):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        first = scene.send(key="k-1")
        before = _rows()
        clock.shift(timedelta(seconds=60))  # an answer made now would differ (seconds_left)

        again = scene.send(key="k-1")
        third = scene.send(key="k-1")

    scene.assert_worked(first)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert (third.status_code, third.json()) == (first.status_code, first.json())
    assert _rows() == before


@over(ENDPOINTS)
def test_the_same_key_with_another_body_is_422_and_changes_nothing(scene):
    first = scene.send(key="k-1")
    before = _rows()

    other = scene.send(key="k-1", body=scene.endpoint.other_body)
    again = scene.send(key="k-1")

    scene.assert_worked(first)
    assert other.status_code == 422
    assert other.json() == REUSED
    assert _rows() == before
    assert again.json() == first.json()  # the key still holds the first answer


@over(TARGETED)
def test_the_same_key_on_another_object_is_422_and_changes_nothing(scene):
    spare = scene.arrange()
    first = scene.send(key="k-1")
    before = _rows()

    other = scene.send(key="k-1", target=spare)

    scene.assert_worked(first)
    assert other.status_code == 422
    assert other.json() == REUSED
    assert _rows() == before


# --- Another user's key ----------------------------------------------------------------------


@over(ENDPOINTS)
def test_another_users_key_neither_gives_them_the_answer_nor_touches_the_owners_data(scene):
    mine = scene.send(key="shared")
    before = _rows()

    theirs = scene.send(key="shared", client=scene.intruder_client)
    after = _rows()
    mine_again = scene.send(key="shared")

    scene.assert_worked(mine)
    assert theirs.json() != mine.json()
    if scene.endpoint.targeted:
        # The owner's object is not found for anyone else; nothing is kept for them.
        assert theirs.status_code == 404
        assert theirs.json() == (
            NO_BLOCK if scene.endpoint.for_blocks else _error("not_found", "No such import.")
        )
        assert after == before
    else:
        # Keys are per user: theirs creates their own object and keeps their own answer.
        assert theirs.status_code == scene.endpoint.ok
        new = _new_rows(before, after)
        created = new[Block._meta.label if scene.endpoint.for_blocks else ImportJob._meta.label]
        assert [str(row["public_id"]) for row in created] == [theirs.json()["public_id"]]
        owners = {
            row.get("user_id", row.get("created_by_id"))
            for rows in new.values()
            for row in rows
            if "user_id" in row or "created_by_id" in row
        }
        assert owners == {scene.intruder.pk}
        assert [(row["user_id"], row["key"]) for row in new[IdempotencyKey._meta.label]] == [
            (scene.intruder.pk, "shared")
        ]
    assert (mine_again.status_code, mine_again.json()) == (mine.status_code, mine.json())


# --- A key whose request failed --------------------------------------------------------------


@over(ENDPOINTS)
def test_a_key_whose_request_was_refused_is_free_for_the_next_request(scene):
    failure = scene.endpoint.failure
    target = SAME if failure.target is None else failure.target
    before = _rows()

    refused = scene.send(key="k-1", body=failure.body, target=target)
    after_refusal = _rows()
    done = scene.send(key="k-1")  # another request: 422 if the refusal had kept the key
    again = scene.send(key="k-1")

    assert refused.status_code == failure.status
    assert refused.json() == failure.error
    assert after_refusal == before
    scene.assert_worked(done)
    assert again.json() == done.json()


@pytest.mark.parametrize("scene", [BLOCK_CREATE], indirect=True, ids=["blocks"])
def test_blocks_create_refused_then_possible_runs_with_the_same_key(scene, editor):
    before = _rows()
    refused = scene.send(key="k-1", body={"count": 3})
    unchanged = _rows() == before
    publish(editor, stem="A third case.")

    done = scene.send(key="k-1", body={"count": 3})

    assert refused.status_code == 400
    assert refused.json() == _error(
        "invalid",
        "Only 2 question(s) match these choices.",
        {"count": ["Only 2 question(s) match; ask for 2 or fewer."]},
    )
    assert unchanged
    assert done.status_code == 201
    assert done.json()["item_count"] == 3


@pytest.mark.parametrize("scene", [BLOCK_SUSPEND], indirect=True, ids=["block_suspend"])
def test_block_suspend_refused_then_possible_runs_with_the_same_key(scene):
    scene.send()  # suspended without a key
    before = _rows()
    refused = scene.send(key="k-1")
    unchanged = _rows() == before
    scene.owner_client.post(reverse("block_resume", args=[scene.target]))

    done = scene.send(key="k-1")

    assert refused.status_code == 409
    assert refused.json() == NOT_SUSPENDABLE
    assert unchanged
    scene.assert_worked(done)
    assert done.json()["status"] == "suspended"


@pytest.mark.parametrize("scene", [IMPORT_CREATE], indirect=True, ids=["imports"])
def test_import_confirm_refused_then_possible_runs_with_the_same_key(scene):
    with scene.capture() as analysis:  # the analysis waits: the import is still being checked
        created = scene.send()
    public_id = created.json()["public_id"]
    url = reverse("import_confirm", args=[public_id])
    before = _rows()
    refused = scene.owner_client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    unchanged = _rows() == before
    for callback in analysis:
        callback()

    done = scene.owner_client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert refused.status_code == 409
    assert refused.json() == _error(
        "conflict", "This import cannot be confirmed now: it is checking the file."
    )
    assert unchanged
    assert (done.status_code, done.json()["status"]) == (200, "importing")


# --- Bodies that hash alike, and bodies that are not objects ---------------------------------


COLLISIONS = [
    # An empty list hashes like no field at all; without a key, `pools: []` is refused (400).
    (BLOCK_CREATE, {"count": 1}, {"count": 1, "pools": []}),
    # A list of one hashes like its item; without a key, `pools: "unused"` is refused (400).
    (BLOCK_CREATE, {"count": 1, "pools": ["unused"]}, {"count": 1, "pools": "unused"}),
    # Fields are hashed as name=value with nothing between them.
    (BLOCK_CREATE, {"clock": "timed", "count": 1}, {'clock="timed"count': 1}),
    (IMPORT_CONFIRM, {}, {"publish": []}),
    (IMPORT_CONFIRM, {"only_valid": False}, {"only_valid": [False]}),
]


@pytest.mark.parametrize(
    ("scene", "first_body", "second_body"),
    COLLISIONS,
    indirect=["scene"],
    ids=["empty-list", "list-of-one", "no-separator", "confirm-empty-list", "confirm-list"],
)
def test_another_body_that_hashes_alike_is_still_422(scene, first_body, second_body):
    first = scene.send(key="k-1", body=first_body)
    before = _rows()

    second = scene.send(key="k-1", body=second_body)

    scene.assert_worked(first)
    assert second.status_code == 422, "the first answer was replayed for another request"
    assert second.json() == REUSED
    assert _rows() == before


@pytest.mark.parametrize("scene", [IMPORT_CREATE], indirect=True, ids=["imports"])
def test_import_create_same_key_with_another_filename_is_422(scene):
    first = scene.send(key="k-1", body={"file": ("one.json", BANK)})
    before = _rows()

    second = scene.send(key="k-1", body={"file": ("two.json", BANK)})

    assert (first.status_code, first.json()["filename"]) == (201, "one.json")
    assert second.status_code == 422, f"replayed {second.json().get('filename')!r}"
    assert second.json() == REUSED
    assert _rows() == before


# What each endpoint answers, without a key, to a JSON body that is not an object.
NOT_AN_OBJECT = {"blocks": 400, "block_suspend": 200, "block_resume": 200, "block_end": 200}
NOT_AN_OBJECT |= {"imports": 415, "import_confirm": 400}


@over(ENDPOINTS)
@pytest.mark.parametrize("text", ["[1, 2]", "null"], ids=["list", "null"])
def test_a_body_that_is_not_an_object_gets_the_same_answer_with_a_key(scene, text):
    scene.owner_client.raise_request_exception = False  # a 500 is the answer under test
    twin = scene.arrange()  # the same state, for the request without a key
    plain = scene.send_json(text, target=SAME if twin is None else twin)
    before = _rows()

    keyed = scene.send_json(text, key="k-1")

    assert plain.status_code == NOT_AN_OBJECT[scene.endpoint.name]
    assert keyed.status_code == plain.status_code, keyed.content
    if plain.status_code >= 400:
        assert set(plain.json()["error"]) == {"code", "message", "fields"}
        assert keyed.json() == plain.json()
        assert _rows() == before
    else:
        scene.assert_worked(keyed)
