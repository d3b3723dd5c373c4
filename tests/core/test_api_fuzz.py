"""The whole API under generated input: every operation of the OpenAPI schema, sent through the
WSGI application against the test database, as a student and as an editor, with input that fits
the schema and input that does not; then chains of calls that follow the schema's links.

What every answer must show:
- no 5xx;
- a documented status code, content type and body (the generator's own checks, which also send
  each successful request again without a token, and with a bad one, to see it refused);
- a 400 says what is at fault: `error.fields` names parameters or body fields of the request
  (or, for a body that is not an object, the body as a whole);
- after any 4xx, the database is as it was.

Two of the generator's checks are set aside. Input outside the schema need not be refused: DRF
reads an empty query value as absent and takes the number 0 for the text "0", which is lenient,
not wrong. Input inside the schema may get a 400: a schema cannot say that an exam code must
exist or that a file must be an image, and such a 400 is checked here like any other.

`make test` sends a few inputs per operation and user, the same ones each run; `make fuzz`
(VIGNETTE_FUZZ=full) many more, drawn afresh, and the boundary cases of every parameter.
"""

import functools
import os
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.apps import apps
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from apps.accounts import services as account_services
from apps.blocks import services as block_services
from apps.questions import imports
from apps.questions import services as question_services
from apps.questions.formats import native
from tests.blocks.conftest import publish
from tests.questions.conftest import make_draft

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

FULL = os.environ.get("VIGNETTE_FUZZ") == "full"
# Generated inputs per operation and user (besides the schema's examples).
EXAMPLES = 100 if FULL else 5
# Chains of calls along the links, and the most calls in one chain.
SCENARIOS = 100 if FULL else 10
STEPS = 10 if FULL else 5

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "mode": "all",  # input that fits the schema, and input that does not
            "max-examples": EXAMPLES,
            "deterministic": not FULL,
            "database": "none",
        },
        # The boundary cases of every parameter and field: a few hundred requests per operation.
        "phases": {"coverage": {"enabled": FULL}},
        "checks": {
            "negative_data_rejection": {"enabled": False},
            "positive_data_acceptance": {
                # 422: an Idempotency-Key that an earlier input used with another body.
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422", "429", "5xx"]
            },
        },
    }
)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/?format=json", get_wsgi_application(), config=CONFIG
)


# --- Who the running test acts as ------------------------------------------------------------


@dataclass
class Acting:
    """The running test's user: their API token, and the ids of the objects made for the test,
    by the start of the path that names them."""

    token: str = ""
    ids: dict[str, list[str]] = field(default_factory=dict)

    def path_parameters(self, path: str, n: int) -> dict[str, str]:
        """The path's public_id: one of the test's objects found under it (or, for a path with
        none, an id that names nothing)."""
        for start, ids in self.ids.items():
            if path.startswith(start):
                return {"public_id": ids[n % len(ids)]}
        return {"public_id": str(uuid.UUID(int=n))}


ACTING = Acting()


@schema.auth(refresh_interval=None)
class ActingToken:
    """Every generated request carries the acting user's token."""

    def get(self, case, context):
        return ACTING.token

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.hook
def before_generate_path_parameters(context, strategy):
    """Half the time, the id of an object that exists: a random id finds nothing, and what an
    operation checks after finding its object would go untried."""
    path = context.operation.path
    if "{public_id}" not in path:
        return strategy
    return st.one_of(strategy, st.integers(0, 7).map(lambda n: ACTING.path_parameters(path, n)))


# --- The database, before and after ----------------------------------------------------------

# Written on purpose whatever the answer: django-axes records every failed login, and a token's
# last use is recorded on every request it authenticates.
BOOKKEEPING_TABLES = {"axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog"}
BOOKKEEPING_COLUMNS = {"accounts.ApiToken": {"last_used_at"}}


@functools.cache
def _queries() -> dict[str, str]:
    """One SELECT per table, of every column but the bookkeeping ones, in primary-key order."""
    quote = connection.ops.quote_name
    queries = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label
        if model._meta.proxy or not model._meta.managed or label in BOOKKEEPING_TABLES:
            continue
        skip = BOOKKEEPING_COLUMNS.get(label, set())
        columns = [quote(f.column) for f in model._meta.concrete_fields if f.attname not in skip]
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        # Names from the models, quoted; nothing from outside.
        queries[label] = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {pk}"  # noqa: S608
    return queries


def database() -> dict[str, list[tuple]]:
    """Every row of every table (bookkeeping aside). Plain SQL: the ORM takes 20 times as long,
    and this runs around every request."""
    rows = {}
    with connection.cursor() as cursor:
        for label, query in _queries().items():
            cursor.execute(query)
            rows[label] = cursor.fetchall()
    return rows


def changed_tables(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


# --- What a 400 may name ---------------------------------------------------------------------


def _resolved(node: dict) -> dict:
    while "$ref" in node:
        target = schema.raw_schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def input_names(case) -> set[str]:
    """The names a request to this operation can carry: its parameters and body fields."""
    definition = case.operation.definition.raw
    names = {parameter["name"] for parameter in definition.get("parameters", [])}
    for content in definition.get("requestBody", {}).get("content", {}).values():
        names |= set(_resolved(content["schema"]).get("properties", {}))
    if isinstance(case.body, dict):
        names |= set(case.body)
    return names


def unknown_fields(case, error: dict) -> list[str]:
    """The names in a 400's `error.fields` that are not input of the request. A name may go
    into the input ("changes.0.value"); a body that is not an object is "non_field_errors"."""
    names = input_names(case)
    if not isinstance(case.body, dict):
        names.add("non_field_errors")
    return [name for name in error["fields"] if name.split(".")[0] not in names]


# --- One request, checked ---------------------------------------------------------------------


@contextmanager
def undone():
    """Whatever happens inside is rolled back, so that each input, or chain of calls, starts
    from the same database: what fails once fails again, and can be shrunk and replayed."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@dataclass
class Sender:
    capture: object  # django_capture_on_commit_callbacks: runs what waits for the commit
    start: dict  # the database as the test made it, before any request

    def send(self, case, before: dict, **kwargs):
        """Send the case as the acting user; check what the generator cannot know. `before` is
        the database as the request finds it."""
        with self.capture(execute=True):
            response = case.call(**kwargs)
        status = response.status_code
        sent = f"{case.method} {case.formatted_path} answered {status}"
        if 400 <= status < 500:
            assert changed_tables(before, database()) == [], f"{sent} and changed the database"
        if status == 400:
            error = response.json()["error"]
            assert error["fields"], f"{sent} without field messages: {error}"
            assert unknown_fields(case, error) == [], f"{sent} naming other input: {error}"
        return response


# --- The scene --------------------------------------------------------------------------------


@pytest.fixture
def _connection_kept():
    """Django's WSGI handler closes the database connection as each request starts and ends,
    which would end the test's transaction; Django's test client keeps it open, as this does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def _media(settings, tmp_path):
    """Uploaded images go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def act_as(_connection_kept, _media, student, editor, django_capture_on_commit_callbacks):
    """Questions in every state, a block per user, an import waiting to be confirmed and an
    open error report; `act_as("student")` makes the student the acting user."""
    published = [publish(editor, stem=f"Case {n}.") for n in range(3)]
    with transaction.atomic():
        draft = question_services.question_create(user=editor, draft=make_draft(stem="Draft."))
        in_review = question_services.question_create(user=editor, draft=make_draft(stem="Review."))
        question_services.question_submit(question=in_review, user=editor)
    report = question_services.error_report_create(
        user=student, question=published[0], note="The key is wrong."
    )
    with django_capture_on_commit_callbacks(execute=True):  # the dry run
        job = imports.import_job_create(
            user=editor, filename="bank.json", data=native.render([make_draft()]).data
        )
    actors = {}
    for who, user in (("student", student), ("editor", editor)):
        block = block_services.block_create(user=user, spec=block_services.BlockSpec(count=1))
        spare, _ = account_services.api_token_create(user=user, name="spare")
        _, secret = account_services.api_token_create(user=user, name="fuzz")
        ids = {
            "/api/v1/blocks/": [str(block.public_id)],
            "/api/v1/imports/": [str(job.public_id)],
            "/api/v1/me/tokens/": [str(spare.public_id)],
            "/api/v1/questions/": [q.public_id for q in (draft, in_review, *published)],
            "/api/v1/reports/": [str(report.public_id)],
            "/api/v1/users/": [str(student.public_id)],
        }
        actors[who] = Acting(token=secret, ids=ids)
    sender = Sender(capture=django_capture_on_commit_callbacks, start=database())

    def acting(who: str) -> Sender:
        ACTING.token, ACTING.ids = actors[who].token, actors[who].ids
        return sender

    yield acting
    ACTING.token, ACTING.ids = "", {}


# --- The tests --------------------------------------------------------------------------------


@schema.parametrize()
@pytest.mark.parametrize("who", ["student", "editor"])
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_operation_keeps_the_contract(case, who, act_as):
    """One generated input to one operation, as a student or as an editor."""
    sender = act_as(who)

    with undone():  # so every input finds the database as the test made it
        response = sender.send(case, sender.start)
        case.validate_response(response)


def test_chains_of_calls_along_the_links_keep_the_contract(act_as):
    """An editor (a student too) creates blocks, questions, imports and tokens, and goes on
    with what each answer names: the calls on those objects."""
    sender = act_as("editor")

    class Chains(schema.as_state_machine()):
        def setup(self):
            self.scenario = ExitStack()
            self.scenario.enter_context(undone())

        def teardown(self):
            self.scenario.close()

        def call(self, case, **kwargs):
            return sender.send(case, database(), **kwargs)

    Chains.run(
        settings=settings(
            Chains.TestCase.settings,
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            deadline=None,
        )
    )
