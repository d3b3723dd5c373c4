"""Two clients' batches of changes, arriving in any order, leave an item as the changes would
in the order they were made (DESIGN.md, "Rules that hold everywhere").

Each example is a short story told in true time: clients A and B make changes to a block's
items, each stamping them with its own clock (off by a constant skew); each sends its changes
in batches, in its own order, stamped with its clock's now; the batches reach the server in any
interleaving, some twice. The server's clock is the true one, so its offset (server now minus
the batch's client_now) turns every client time back into the true time of making.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.blocks import services
from apps.blocks.changes import IncomingChange
from apps.blocks.models import Block, Change
from apps.blocks.services import BlockSpec

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # when each example's block is created
LETTERS = "ABCD"  # every question in the `bank` fixture has four options
CLIENTS = ("A", "B")
DEFAULTS = {
    "answer": "",
    "marked": False,
    "struck": [],
    "highlights": [],
    "note": "",
    "time_spent": 0,
}
VALUES = {
    "answer": st.sampled_from(["", *LETTERS]),
    "marked": st.booleans(),
    "struck": st.lists(st.sampled_from(LETTERS), unique=True).map(sorted),
    "highlights": st.lists(
        st.tuples(st.integers(0, 400), st.integers(1, 50)).map(lambda p: [p[0], p[0] + p[1]]),
        max_size=3,
    ),
    # No NUL: PostgreSQL stores it in neither text nor jsonb, a question for validation.
    "note": st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12),
    "time_spent": st.integers(0, 600),
    # The letter the submitting device showed: a submit names the answer it locks.
    "submit": st.sampled_from(LETTERS),
}
# A few fields per story, so that changes meet on the same field of the same item.
EXAM_FIELDS = st.lists(
    st.sampled_from(["answer", "marked", "struck", "highlights", "note", "time_spent"]),
    min_size=1,
    max_size=3,
    unique=True,
)
# Answers and submits meet on every item, with marks beside them.
TUTOR_FIELDS = st.just(["answer", "submit", "marked"])

# Enough examples to meet interleavings, replays and skews together: the file takes about
# 10 s on SQLite or PostgreSQL.
EXAMPLES = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@dataclass(frozen=True)
class Made:
    """A change as its client made it: at a true time, stamped with the client's clock."""

    change: IncomingChange
    client: str
    at: datetime


@dataclass(frozen=True)
class Send:
    """A batch reaching the server at a true time (the server's now), perhaps a second time."""

    client: str
    made: tuple[Made, ...]
    at: datetime
    replay: bool


@dataclass(frozen=True)
class Story:
    count: int
    skews: dict[str, timedelta]
    made: tuple[Made, ...]  # in the order they were made
    sends: tuple[Send, ...]  # in the order they reach the server

    def client_now(self, send: Send) -> datetime:
        return send.at + self.skews[send.client]


@st.composite
def _steps(draw, fields: tuple[str, ...], count: int) -> tuple:
    """One change to come: the wait since the one before (ms), its field, position, client
    and value."""
    field = draw(st.sampled_from(fields))
    return (
        draw(st.integers(1, 2000)),
        field,
        draw(st.integers(1, count)),
        draw(st.sampled_from(CLIENTS)),
        draw(VALUES[field]),
    )


@st.composite
def stories(draw, fields: st.SearchStrategy[list[str]]) -> Story:
    count = draw(st.integers(2, 3))
    skews = {
        client: timedelta(milliseconds=draw(st.integers(-300_000, 300_000))) for client in CLIENTS
    }
    chosen = draw(fields)
    steps = draw(st.lists(_steps(tuple(chosen), count), min_size=1, max_size=16))
    change_ids = draw(
        st.lists(st.uuids(version=4), min_size=len(steps), max_size=len(steps), unique=True)
    )
    made, at = [], START
    for (wait, field, position, client, value), change_id in zip(steps, change_ids, strict=True):
        at += timedelta(milliseconds=wait)  # distinct times: one true order
        change = IncomingChange(change_id, position, field, value, at + skews[client])
        made.append(Made(change, client, at))

    batches: dict[str, list[list[Made]]] = {client: [] for client in CLIENTS}
    for client in CLIENTS:
        for one in (m for m in made if m.client == client):
            if not batches[client] or draw(st.booleans()):
                batches[client].append([])
            batches[client][-1].append(one)
    # Each client's batches in its own order, the two interleaved in any order.
    turns = draw(st.permutations([c for c in CLIENTS for _ in batches[c]]))
    arrivals = [(client, tuple(batches[client].pop(0)), False) for client in turns]
    for _ in range(draw(st.integers(0, 3))):
        original = draw(st.integers(0, len(arrivals) - 1))
        later = draw(st.integers(original + 1, len(arrivals)))
        client, batch, _replay = arrivals[original]
        arrivals.insert(later, (client, batch, True))
    # A batch is sent once all its changes were made, and arrives at once.
    sends, now = [], START
    for client, batch, replay in arrivals:
        now = max(now, batch[-1].at) + timedelta(milliseconds=draw(st.integers(0, 3000)))
        sends.append(Send(client, batch, now, replay))
    return Story(count, skews, tuple(made), tuple(sends))


def _block(student, story: Story, feedback: str) -> Block:
    with time_machine.travel(START, tick=False):
        spec = BlockSpec(count=story.count, pools=("all",), feedback=feedback)
        block = services.block_create(user=student, spec=spec)
    assert [item.option_count for item in block.items.all()] == [len(LETTERS)] * story.count
    return block


def _send_all(student, block: Block, story: Story) -> dict[str, str]:
    """Every batch in its turn, the server's clock at its arrival; each change's first outcome."""
    outcomes: dict[str, str] = {}
    for send in story.sends:
        with time_machine.travel(send.at, tick=False):
            result = services.changes_apply(
                user=student,
                public_id=block.public_id,
                changes=[made.change for made in send.made],
                client_now=story.client_now(send),
            )
        assert not result.refused
        for change_id, outcome in result.results:
            outcomes.setdefault(change_id, outcome)
    return outcomes


def _made_in_order(story: Story, *, tutor: bool) -> dict[int, dict]:
    """The model: each item's state after its changes, applied in the order they were made."""
    states = {p: {**DEFAULTS, "submitted": False} for p in range(1, story.count + 1)}
    for made in sorted(story.made, key=lambda m: m.at):
        change, state = made.change, states[made.change.position]
        if change.field == "submit":
            # The first submit made locks the answer it names; later ones change nothing.
            if tutor and not state["submitted"]:
                state["answer"], state["submitted"] = change.value, True
        elif not (change.field == "answer" and state["submitted"]):
            state[change.field] = change.value
    return states


def _first_arrival_outcomes(story: Story) -> dict[str, str]:
    """What the log says of each change: applied if it was the latest made of its field when
    it arrived, superseded otherwise (exam feedback: no submit)."""
    latest: dict[tuple[int, str], datetime] = {}
    outcomes = {}
    for send in story.sends:
        for made in send.made:
            change, key = made.change, (made.change.position, made.change.field)
            if str(change.change_id) in outcomes:
                continue
            applied = key not in latest or made.at > latest[key]
            outcomes[str(change.change_id)] = "applied" if applied else "superseded"
            if applied:
                latest[key] = made.at
    return outcomes


def _item_states(block: Block) -> dict[int, dict]:
    return {
        item.position: {
            "answer": item.answer,
            "marked": item.marked,
            "struck": item.struck,
            "highlights": item.highlights,
            "note": item.note,
            "time_spent": item.time_spent_seconds,
            "submitted": item.submitted,
        }
        for item in block.items.order_by("position")
    }


def _log(block: Block) -> list[tuple]:
    return sorted(
        (str(change_id), made_at)
        for change_id, made_at in Change.objects.filter(block=block).values_list(
            "change_id", "made_at"
        )
    )


@EXAMPLES
@given(story=stories(EXAM_FIELDS))
def test_changes_converge_on_the_order_they_were_made_whatever_the_interleaving(
    student, bank, story
):
    block = _block(student, story, Block.Feedback.EXAM)

    outcomes = _send_all(student, block, story)

    assert _item_states(block) == _made_in_order(story, tutor=False)
    # Each change logged once, at the true time it was made: the offset undid each skew.
    assert _log(block) == sorted((str(m.change.change_id), m.at) for m in story.made)
    assert outcomes == _first_arrival_outcomes(story)


@EXAMPLES
@given(story=stories(TUTOR_FIELDS))
def test_tutor_submit_converges_whatever_the_interleaving(student, bank, story):
    """Answers and submits of an item from either device, in any arrival order: the first
    submit made locks the answer it names."""
    block = _block(student, story, Block.Feedback.TUTOR)

    _send_all(student, block, story)

    expected = _made_in_order(story, tutor=True)
    assert _item_states(block) == expected
    assert [item.correct for item in block.items.order_by("position")] == [
        (state["answer"] == item.key_letter) if state["submitted"] else None
        for item, state in zip(block.items.order_by("position"), expected.values(), strict=True)
    ]
    assert _log(block) == sorted((str(m.change.change_id), m.at) for m in story.made)
