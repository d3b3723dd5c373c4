"""Applying a student's changes to an item: per-field last writer wins, replays are no-ops.

A tutor submit names the answer it locks (the letter the student saw when submitting).

The winner of two changes to a field is the one made later (client time corrected by the
server's clock offset), then the greater change id. Applying a change that has already been
applied, or one that a later change has replaced, changes nothing.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from apps.blocks.models import BlockItem, Change
from apps.questions.content import LETTERS

MAX_NOTE = 5000
MAX_HIGHLIGHTS = 200
MAX_TIME = 24 * 60 * 60
FIELDS = ("answer", "submit", "marked", "struck", "highlights", "note", "time_spent")

Outcome = Change.Outcome


@dataclass(frozen=True)
class IncomingChange:
    change_id: UUID
    position: int
    field: str
    value: Any
    client_time: datetime


def order_key(made_at: datetime, change_id: UUID) -> str:
    """A string that sorts as (made_at, change_id) do."""
    micros = int((made_at - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1_000_000)
    return f"{max(micros, 0):017d}:{change_id}"


def value_problem(change: IncomingChange, item: BlockItem) -> str | None:
    """Why this change's value cannot apply to this item, or None."""
    letters = list(LETTERS[: item.option_count])  # a list: "AB" is in "ABCD", not in this
    value = change.value
    if change.field == "answer":
        if value != "" and (not isinstance(value, str) or value not in letters):
            return f"Choose one of {', '.join(letters)}, or nothing."
    elif change.field == "submit":
        if not isinstance(value, str) or value not in letters:
            return f"Submit the letter of the answer shown: one of {', '.join(letters)}."
    elif change.field == "marked":
        if not isinstance(value, bool):
            return "Use true or false."
    elif change.field == "struck":
        if not isinstance(value, list) or any(
            not isinstance(v, str) or v not in letters for v in value
        ):
            return f"List letters from {', '.join(letters)}."
        if len(set(value)) != len(value):
            return "List each letter once."
    elif change.field == "highlights":
        if not _valid_ranges(value):
            return f"Give at most {MAX_HIGHLIGHTS} [start, end] pairs with 0 <= start < end."
    elif change.field == "note":
        if not isinstance(value, str) or len(value) > MAX_NOTE:
            return f"Write at most {MAX_NOTE} characters."
        if "\x00" in value:
            return "Remove the NUL character from the note."
    elif change.field == "time_spent" and not (
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_TIME
    ):
        return f"Give whole seconds from 0 to {MAX_TIME}."
    return None


def _valid_ranges(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) <= MAX_HIGHLIGHTS
        and all(_valid_range(pair) for pair in value)
    )


def _valid_range(pair: Any) -> bool:
    return (
        isinstance(pair, list)
        and len(pair) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in pair)
        and 0 <= pair[0] < pair[1] <= 1_000_000
    )


_STORED = {
    "answer": "answer",
    "marked": "marked",
    "struck": "struck",
    "highlights": "highlights",
    "note": "note",
    "time_spent": "time_spent_seconds",
}


def apply(item: BlockItem, change: IncomingChange, key: str, now: datetime, *, tutor: bool) -> str:
    """Apply one change to the item in memory; the outcome for the log."""
    if change.field == "submit":
        return _submit(item, change.value, key, now, tutor=tutor)
    if change.field == "answer" and item.submitted:
        return Outcome.IGNORED
    key_field = f"{change.field}_key"
    if key <= getattr(item, key_field):
        return Outcome.SUPERSEDED
    setattr(item, _STORED[change.field], change.value)
    setattr(item, key_field, key)
    return Outcome.APPLIED


def _submit(item: BlockItem, letter: str, key: str, now: datetime, *, tutor: bool) -> str:
    """Lock the answer the submit names, as of the time it was made.

    The earliest-made submit wins, whatever order submits from several devices arrive in; an
    answer never changes a submitted item (one made before the submit is older than it, one
    made after comes too late). So the result does not depend on arrival order.
    """
    if not tutor or (item.submitted and key >= item.answer_key):
        return Outcome.IGNORED
    item.answer, item.answer_key = letter, key
    item.submitted_at = item.submitted_at or now
    item.correct = letter == item.key_letter
    return Outcome.APPLIED
