"""Which published questions a student's choices match, as SQL: the one statement of the pool
and filter rules, which counting the choices and drawing a block both build on.

Written out rather than built with the ORM: making a block compiles it on every request, and
compiling the equivalent queryset took longer than some of the statements it saves. Every
question is joined (left outer) to the student's state of it in the current pass, as `s`.
"""

from dataclasses import dataclass

from apps.accounts.models import User
from apps.blocks.models import QuestionState
from apps.core import rawsql
from apps.questions.models import Discipline, Exam, Question, System

POOLS = ("unused", "incorrect", "marked", "omitted", "correct", "all")
_STATUS_POOLS = {
    "incorrect": QuestionState.Status.INCORRECT,
    "omitted": QuestionState.Status.OMITTED,
    "correct": QuestionState.Status.CORRECT,
}
AXES = {"exam": Exam, "discipline": Discipline, "system": System}


@dataclass(frozen=True)
class Filters:
    pools: tuple[str, ...] = ("unused",)
    exams: tuple[str, ...] = ()
    disciplines: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()

    def codes(self, axis: str) -> tuple[str, ...]:
        return getattr(self, f"{axis}s")


@dataclass(frozen=True)
class Sql:
    text: str
    parameters: list


def pool_condition(pools: tuple[str, ...]) -> Sql:
    """True for a question in any of the pools; its latest state in the pass decides."""
    if "all" in pools:
        return Sql("1 = 1", [])
    conditions, parameters = [], []
    if "unused" in pools:
        conditions.append("s.id IS NULL")
    statuses = [_STATUS_POOLS[pool] for pool in pools if pool in _STATUS_POOLS]
    if statuses:
        conditions.append(f"s.status IN ({rawsql.placeholders(len(statuses))})")
        parameters += statuses
    if "marked" in pools:
        # Marked in a finished block: an open block's marks are not settled yet.
        conditions.append("(s.marked AND s.status <> %s)")
        parameters.append(QuestionState.Status.PENDING)
    return Sql(f"({' OR '.join(conditions)})", parameters)


def matching(user: User, filters: Filters, *, pools: bool = True, skip: str = "") -> Sql:
    """FROM and WHERE for the published questions in the chosen pools (unless `pools` is
    False) and in the chosen exams, disciplines and systems (but for the axis `skip`)."""
    questions, states = Question._meta.db_table, QuestionState._meta.db_table
    text = (
        f"FROM {questions} q LEFT JOIN {states} s"
        " ON s.question_id = q.id AND s.user_id = %s AND s.pass_number = %s"
        " WHERE q.status = %s AND q.published_version_id IS NOT NULL"
    )
    parameters = [user.pk, user.current_pass, Question.Status.PUBLISHED]
    if pools:
        condition = pool_condition(filters.pools)
        text += f" AND {condition.text}"
        parameters += condition.parameters
    for axis, model in AXES.items():
        codes = filters.codes(axis)
        if codes and axis != skip:
            text += (
                f" AND q.{axis}_id IN (SELECT id FROM {model._meta.db_table}"  # noqa: S608
                f" WHERE code IN ({rawsql.placeholders(len(codes))}))"
            )
            parameters += codes
    return Sql(text, parameters)
