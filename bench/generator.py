"""Deterministic question drafts for benchmarks: the same seed gives the same bank."""

import argparse
import hashlib
import json
import math
import random
import string
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apps.questions.formats.base import ItemDraft, OptionDraft
from apps.questions.formats.checks import LETTERS
from bench.harness import setup_django
from bench.profiles import PROFILES, Profile, username

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


# --- Whole banks with students' histories ------------------------------------------------------
#
# build("tiny") or build("bank-100k") writes a bank of published questions and students who have
# answered them into the current database, as the app's own services would have left it. Meant
# for a throwaway or bench database: it adds rows next to whatever is there, and on PostgreSQL
# it loads with foreign-key triggers off (the rows are consistent by construction).

OMITTED_SHARE = 0.03
MARKED_SHARE = 0.08
TUTOR_SHARE = 0.2  # untimed tutor blocks; the rest are timed exam blocks
FIVE_OPTIONS_SHARE = 0.8
BATCH_ROWS = 50_000
SQLITE_BATCH = 500
LEAD_IN = "Which of the following is the most likely diagnosis?"
REFERENCES = json.dumps(["Harrison's Principles of Internal Medicine, 21st ed."])
SPEC_NEW = json.dumps(
    {"pools": ["unused"], "exams": [], "disciplines": [], "systems": [], "question_ids": []}
)
SPEC_AGAIN = json.dumps(
    {
        "pools": ["unused", "incorrect"],
        "exams": [],
        "disciplines": [],
        "systems": [],
        "question_ids": [],
    }
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class _Table:
    """Rows for one model, in a fixed column order (attnames); JSON columns hold JSON text."""

    model: type
    columns: tuple[str, ...]
    json_columns: frozenset[str] = frozenset()
    rows: list[tuple] = field(default_factory=list)
    written: int = 0


class _PostgresSink:
    """COPY in large batches on the Django connection's own psycopg connection."""

    def __init__(self) -> None:
        from django.db import connection

        self.cursor = connection.connection.cursor()

    def flush(self, table: _Table) -> None:
        if not table.rows:
            return
        from psycopg import sql

        extra, defaults = _missing_columns(table, as_json_text=True)
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.model._meta.db_table),
            sql.SQL(", ").join(sql.Identifier(c) for c in _db_columns(table, extra)),
        )
        with self.cursor.copy(statement) as copy:
            write = copy.write_row
            if defaults:
                for row in table.rows:
                    write(row + defaults)
            else:
                for row in table.rows:
                    write(row)
        table.written += len(table.rows)
        table.rows.clear()


class _SqliteSink:
    """bulk_create; then the auto_now(_add) fields, which bulk_create overwrites, put back."""

    def flush(self, table: _Table) -> None:
        if not table.rows:
            return
        model = table.model
        extra, defaults = _missing_columns(table, as_json_text=False)
        columns = table.columns + extra
        json_at = [i for i, name in enumerate(columns) if name in table.json_columns]
        values = []
        for row in table.rows:
            row = list(row + defaults)
            for i in json_at:
                row[i] = json.loads(row[i])
            values.append(dict(zip(columns, row, strict=True)))
        objects = [model(**row) for row in values]
        model.objects.bulk_create(objects, batch_size=SQLITE_BATCH)
        automatic = [
            f.attname
            for f in model._meta.concrete_fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        if automatic:
            for obj, row in zip(objects, values, strict=True):
                for name in automatic:
                    setattr(obj, name, row[name])
            model.objects.bulk_update(objects, automatic, batch_size=SQLITE_BATCH)
        table.written += len(table.rows)
        table.rows.clear()


def _missing_columns(table: _Table, *, as_json_text: bool) -> tuple[tuple[str, ...], tuple]:
    """Fields added to a model since this generator was written get their defaults."""
    from django.db.models import JSONField

    fields = [f for f in table.model._meta.concrete_fields if f.attname not in table.columns]
    values = []
    for f in fields:
        value = f.get_default()
        values.append(json.dumps(value) if as_json_text and isinstance(f, JSONField) else value)
    return tuple(f.attname for f in fields), tuple(values)


def _db_columns(table: _Table, extra: tuple[str, ...]) -> list[str]:
    by_attname = {f.attname: f.column for f in table.model._meta.concrete_fields}
    return [by_attname[name] for name in table.columns + extra]


class _Writer:
    def __init__(self, sink) -> None:
        self.sink = sink
        self.tables: list[_Table] = []

    def table(self, model, columns: str, json_columns: str = "") -> _Table:
        table = _Table(model, tuple(columns.split()), frozenset(json_columns.split()))
        known = {f.attname for f in model._meta.concrete_fields}
        unknown = set(table.columns) - known
        assert not unknown, f"{model.__name__} has no field {sorted(unknown)}"
        self.tables.append(table)
        return table

    def add(self, table: _Table, row: tuple) -> None:
        table.rows.append(row)
        if len(table.rows) >= BATCH_ROWS:
            self.sink.flush(table)

    def finish(self) -> None:
        for table in self.tables:
            self.sink.flush(table)


@dataclass
class _Bank:
    first_question: int
    first_version: int
    keys: list[str]  # key letter per question index
    option_counts: list[int]


def _next_ids(*models) -> list[int]:
    from django.db.models import Max

    return [(model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1 for model in models]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _write_bank(profile: Profile, writer: _Writer) -> _Bank:
    from apps.questions import sanitize
    from apps.questions.models import Discipline, Exam, Option, Question, QuestionVersion, System

    rng = random.Random(f"{profile.seed}:bank")
    exams = list(Exam.objects.order_by("pk").values_list("pk", flat=True))
    disciplines = list(Discipline.objects.order_by("pk").values_list("pk", flat=True))
    systems = list(System.objects.order_by("pk").values_list("pk", flat=True))
    if not (exams and disciplines and systems):
        raise RuntimeError("The taxonomy tables are empty: run migrate first.")
    questions = writer.table(
        Question,
        "id uid status exam_id discipline_id system_id author_id latest_version_id "
        "published_version_id source external_id search_document created_at updated_at",
    )
    versions = writer.table(
        QuestionVersion,
        "id question_id number state markup stem_source stem_html lead_in_source lead_in_html "
        "explanation_source explanation_html objective_source objective_html references "
        "content_hash created_by_id created_at published_at published_by_id",
        json_columns="references",
    )
    options = writer.table(
        Option,
        "id version_id letter text_source text_html explanation_source explanation_html is_correct",
    )
    first_question, first_version, first_option = _next_ids(Question, QuestionVersion, Option)
    table_html = sanitize.markdown_to_html(TABLE.strip())
    sentences = [_sentence(rng, 14) for _ in range(1000)]
    published = profile.history_end - timedelta(days=profile.history_days + 30)
    keys, option_counts = [], []
    option_id = first_option
    for index in range(profile.questions):
        question_id, version_id = first_question + index, first_version + index
        stem = " ".join(rng.choice(sentences) for _ in range(4))
        explanation = " ".join(rng.choice(sentences) for _ in range(3))
        objective = rng.choice(sentences)
        count = 5 if rng.random() < FIVE_OPTIONS_SHARE else 4
        key = rng.randrange(count)
        keys.append(LETTERS[key])
        option_counts.append(count)
        writer.add(
            questions,
            (
                question_id,
                _uuid(rng),
                "published",
                rng.choice(exams),
                rng.choice(disciplines),
                rng.choice(systems),
                None,
                version_id,
                version_id,
                "bench",
                "",
                f"{stem} {LEAD_IN}",
                published,
                published,
            ),
        )
        writer.add(
            versions,
            (
                version_id,
                question_id,
                1,
                "published",
                "markdown",
                stem + TABLE,
                f"<p>{stem}</p>\n{table_html}",
                LEAD_IN,
                LEAD_IN,
                explanation,
                f"<p>{explanation}</p>",
                objective,
                f"<p>{objective}</p>",
                REFERENCES,
                hashlib.sha256(f"{question_id}:{stem}".encode()).hexdigest(),
                None,
                published,
                published,
                None,
            ),
        )
        for letter in range(count):
            text = f"Diagnosis {index}-{LETTERS[letter]}"
            because = rng.choice(sentences)
            writer.add(
                options,
                (
                    option_id,
                    version_id,
                    LETTERS[letter],
                    text,
                    text,
                    because,
                    f"<p>{because}</p>",
                    letter == key,
                ),
            )
            option_id += 1
    return _Bank(first_question, first_version, keys, option_counts)


def _write_students(profile: Profile, writer: _Writer, bank: _Bank) -> None:
    from apps.accounts.models import Role, RoleGrant, User
    from apps.blocks.models import Block, BlockItem, QuestionState

    users = writer.table(
        User,
        "id password last_login is_superuser username first_name last_name email is_staff "
        "is_active date_joined public_id deleted_at pace_multiplier current_pass",
    )
    grants = writer.table(RoleGrant, "id user_id role granted_by_id granted_at")
    blocks = writer.table(
        Block,
        "id public_id user_id pass_number clock feedback clock_runs_when_suspended status "
        "item_count time_limit_seconds deadline remaining_seconds elapsed_seconds running_since "
        "last_contact_at created_at suspended_at ended_at end_reason spec correct_count "
        "incorrect_count omitted_count time_used_seconds deleted_at",
        json_columns="spec",
    )
    items = writer.table(
        BlockItem,
        "id block_id position user_id pass_number question_id version_id key_letter "
        "option_count first_attempt answer answer_key submitted_at marked marked_key struck "
        "struck_key highlights highlights_key note note_key time_spent_seconds time_spent_key "
        "correct",
        json_columns="struck highlights",
    )
    states = writer.table(
        QuestionState, "id user_id pass_number question_id last_item_id status marked"
    )
    ids = dict(
        zip(
            ("user", "grant", "block", "item", "state"),
            _next_ids(User, RoleGrant, Block, BlockItem, QuestionState),
            strict=True,
        )
    )
    start = profile.history_end - timedelta(days=profile.history_days)
    for index in range(profile.all_students):
        rng = random.Random(f"{profile.seed}:student:{index}")
        user_id = ids["user"] + index
        name = username(index)
        joined = start - timedelta(days=1)
        writer.add(
            users,
            (
                user_id,
                "!" + "".join(rng.choice(string.ascii_letters) for _ in range(40)),
                None,
                False,
                name,
                "",
                "",
                f"{name}@bench.invalid",
                False,
                True,
                joined,
                _uuid(rng),
                None,
                "1.00",
                1,
            ),
        )
        writer.add(grants, (ids["grant"] + index, user_id, Role.STUDENT.value, None, joined))
        _write_history(profile, index, user_id, rng, writer, bank, ids, blocks, items, states)


def _write_history(profile, index, user_id, rng, writer, bank, ids, blocks, items, states):
    """One student's ended blocks in pass 1, and where each question they saw now stands."""
    from apps.blocks.models import MAX_ITEMS, SECONDS_PER_ITEM

    total = profile.responses_of(index)
    share = profile.heavy_repeat_share if profile.is_heavy(index) else profile.repeat_share
    distinct = min(profile.questions, round(total * (1 - share)))
    fresh = rng.sample(range(profile.questions), distinct)
    ability = rng.uniform(0.5, 0.8)
    block_count = math.ceil(total / MAX_ITEMS)
    gap = profile.history_days * 86_400 / block_count
    start = profile.history_end - timedelta(days=profile.history_days)
    seen: list[int] = []  # question indices, in the order first seen
    state: dict[int, tuple[int, str, bool]] = {}  # question index: (last item id, status, marked)
    done = used_fresh = repeats = 0
    repeat_goal = total - distinct
    add_item = items.rows.append
    for number in range(block_count):
        size = min(MAX_ITEMS, total - done)
        # Repeats keep pace with the share, once there is something to repeat.
        again = min((repeat_goal * (done + size)) // total - repeats, len(seen), size)
        new = min(size - again, distinct - used_fresh)
        again = min(size - new, len(seen))
        if new + again == 0:
            break
        chosen = fresh[used_fresh : used_fresh + new] + rng.sample(seen, again)
        rng.shuffle(chosen)
        seen.extend(fresh[used_fresh : used_fresh + new])
        used_fresh += new
        repeats += again
        done += new + again
        size = len(chosen)

        block_id = ids["block"]
        ids["block"] += 1
        created = start + timedelta(seconds=number * gap + rng.uniform(0, gap / 4))
        created_micros = (created - EPOCH) // timedelta(microseconds=1)
        timed = rng.random() >= TUTOR_SHARE
        limit = SECONDS_PER_ITEM * size
        elapsed = 0
        correct = incorrect = omitted = 0
        for position, question in enumerate(chosen, start=1):
            spent = rng.randint(20, 140)
            if timed:
                spent = min(spent, limit - elapsed)
            elapsed += spent
            made_micros = created_micros + elapsed * 1_000_000
            key = bank.keys[question]
            options = bank.option_counts[question]
            roll = rng.random()
            if roll < OMITTED_SHARE:
                answer, status = "", "omitted"
                omitted += 1
            elif roll < OMITTED_SHARE + ability * (1 - OMITTED_SHARE):
                answer, status = key, "correct"
                correct += 1
            else:
                wrong = rng.randrange(options - 1)
                wrong += wrong >= LETTERS.index(key)
                answer, status = LETTERS[wrong], "incorrect"
                incorrect += 1
            marked = rng.random() < MARKED_SHARE
            item_id = ids["item"]
            ids["item"] += 1
            add_item(
                (
                    item_id,
                    block_id,
                    position,
                    user_id,
                    1,
                    bank.first_question + question,
                    bank.first_version + question,
                    key,
                    options,
                    question not in state,
                    answer,
                    f"{made_micros:017d}:{_uuid(rng)}" if answer else "",
                    created + timedelta(seconds=elapsed) if answer and not timed else None,
                    marked,
                    f"{made_micros:017d}:{_uuid(rng)}" if marked else "",
                    "[]",
                    "",
                    "[]",
                    "",
                    "",
                    "",
                    spent,
                    f"{made_micros:017d}:{_uuid(rng)}",
                    answer == key,
                )
            )
            state[question] = (item_id, status, marked)
        if len(items.rows) >= BATCH_ROWS:
            writer.sink.flush(items)
        ended = created + timedelta(seconds=elapsed)
        writer.add(
            blocks,
            (
                block_id,
                _uuid(rng),
                user_id,
                1,
                "timed" if timed else "untimed",
                "exam" if timed else "tutor",
                False,
                "ended",
                size,
                limit if timed else None,
                created + timedelta(seconds=limit) if timed else None,
                None,
                0 if timed else elapsed,
                None,
                ended,
                created,
                None,
                ended,
                "finished",
                SPEC_AGAIN if again else SPEC_NEW,
                correct,
                incorrect,
                omitted,
                elapsed,
                None,
            ),
        )
    for question, (item_id, status, marked) in state.items():
        writer.add(
            states,
            (ids["state"], user_id, 1, bank.first_question + question, item_id, status, marked),
        )
        ids["state"] += 1


def build(profile_name: str) -> dict[str, int | float]:
    """Write the named profile's bank and students into the current database; counts back."""
    from django.db import connection, transaction

    profile = PROFILES[profile_name]
    postgres = connection.vendor == "postgresql"
    started = time.perf_counter()
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
                # Bulk load: foreign keys are consistent by construction, and checking 4 M rows
                # one by one would take longer than writing them. Only a superuser may skip
                # them; others (the test suite's role in CI) load the small profiles with them.
                cursor.execute("SELECT current_setting('is_superuser') = 'on'")
                if cursor.fetchone()[0]:
                    cursor.execute("SET LOCAL session_replication_role = replica")
        writer = _Writer(_PostgresSink() if postgres else _SqliteSink())
        bank = _write_bank(profile, writer)
        _write_students(profile, writer, bank)
        writer.finish()
    loaded = time.perf_counter()
    if postgres:
        _after_copy([table.model for table in writer.tables])
    counts = {table.model._meta.db_table: table.written for table in writer.tables}
    return {
        **counts,
        "load_seconds": round(loaded - started, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _after_copy(models: list) -> None:
    """Sequences past the copied ids, and planner statistics and visibility maps as a database
    in use would have them."""
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            column = model._meta.pk.column
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "  # noqa: S608  model names
                f"(SELECT max({column}) FROM {table}))",
                [table, column],
            )
        for model in models:
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


# Each query counts rows that break something the app's services guarantee; all must be 0.
CHECKS = {
    "items without their block, question, published version or (unless deleted) user": """
        SELECT count(*) FROM blocks_blockitem i
        LEFT JOIN blocks_block b ON b.id = i.block_id
        LEFT JOIN questions_question q ON q.id = i.question_id
        LEFT JOIN questions_questionversion v ON v.id = i.version_id
        WHERE b.id IS NULL OR q.id IS NULL OR v.id IS NULL
           OR (b.deleted_at IS NULL AND i.user_id IS DISTINCT FROM b.user_id)
           OR (b.deleted_at IS NOT NULL AND i.user_id IS NOT NULL)
           OR v.question_id <> q.id OR v.published_at IS NULL""",
    "items whose key, option count or result disagree with the options": """
        SELECT count(*) FROM blocks_blockitem i JOIN (
            SELECT version_id, count(*) AS n, max(CASE WHEN is_correct THEN letter END) AS k
            FROM questions_option GROUP BY version_id) o ON o.version_id = i.version_id
        JOIN blocks_block b ON b.id = i.block_id
        WHERE i.key_letter <> o.k OR i.option_count <> o.n
           OR ((b.status = 'ended' OR i.submitted_at IS NOT NULL)
               AND (i.correct IS NULL OR i.correct <> (i.answer = i.key_letter)))
           OR (i.answer <> '' AND i.answer_key = '')""",
    "ended blocks whose counts disagree with their items": """
        SELECT count(*) FROM blocks_block b JOIN (
            SELECT block_id, count(*) AS n, max(position) AS top,
                   sum(CASE WHEN answer = '' THEN 1 ELSE 0 END) AS omitted,
                   sum(CASE WHEN answer <> '' AND correct THEN 1 ELSE 0 END) AS right_
            FROM blocks_blockitem GROUP BY block_id) x ON x.block_id = b.id
        WHERE b.status = 'ended' AND (b.item_count <> x.n OR x.top <> x.n
           OR b.correct_count <> x.right_ OR b.omitted_count <> x.omitted
           OR b.incorrect_count <> x.n - x.right_ - x.omitted)""",
    "questions answered whose state is missing or not the latest item": """
        SELECT count(*) FROM (
            SELECT user_id, pass_number, question_id, max(id) AS latest
            FROM blocks_blockitem WHERE user_id IS NOT NULL
            GROUP BY user_id, pass_number, question_id) x
        LEFT JOIN blocks_questionstate s ON s.user_id = x.user_id
             AND s.pass_number = x.pass_number AND s.question_id = x.question_id
        WHERE s.id IS NULL OR s.last_item_id <> x.latest""",
    "states that disagree with their item": """
        SELECT count(*) FROM blocks_questionstate s
        JOIN blocks_blockitem i ON i.id = s.last_item_id
        JOIN blocks_block b ON b.id = i.block_id
        WHERE i.user_id <> s.user_id OR i.question_id <> s.question_id OR s.marked <> i.marked
           OR s.status <> CASE WHEN b.status <> 'ended' AND i.submitted_at IS NULL THEN 'pending'
                               WHEN i.answer = '' THEN 'omitted'
                               WHEN i.correct THEN 'correct' ELSE 'incorrect' END""",
    "questions seen whose first exposure is not the only first_attempt": """
        SELECT count(*) FROM (
            SELECT b.user_id, i.question_id, min(i.id) AS first,
                   sum(CASE WHEN i.first_attempt THEN 1 ELSE 0 END) AS n
            FROM blocks_blockitem i JOIN blocks_block b ON b.id = i.block_id
            GROUP BY b.user_id, i.question_id) x
        JOIN blocks_blockitem i ON i.id = x.first
        WHERE x.n <> 1 OR NOT i.first_attempt""",
}


def check() -> dict[str, int]:
    """Rows in the current database that break what the services keep true: all 0 if sound."""
    from django.db import connection

    problems = {}
    with connection.cursor() as cursor:
        for what, query in CHECKS.items():
            if connection.vendor == "sqlite":
                query = query.replace("IS DISTINCT FROM", "IS NOT")
            cursor.execute(query)
            problems[what] = cursor.fetchone()[0]
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Build a benchmark profile into DATABASE_URL's database (a throwaway or "
        "bench database: rows are added to whatever is there, and on PostgreSQL loaded with "
        "foreign-key triggers off). Without DATABASE_URL this is the development SQLite file."
    )
    parser.add_argument("--profile", choices=sorted(PROFILES), default="tiny")
    parser.add_argument(
        "--check", action="store_true", help="then count rows that break the app's invariants"
    )
    arguments = parser.parse_args()
    profile = arguments.profile
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)  # a new database gets the tables first
    print(
        f"building {profile} into {connection.vendor} database {connection.settings_dict['NAME']}"
    )
    counts = build(profile)
    for name, value in counts.items():
        print(f"  {name:28} {value:>12,}")
    if arguments.check:
        problems = check()
        for what, count in problems.items():
            print(f"  {count:>8,}  {what}")
        if any(problems.values()):
            raise SystemExit("The generated rows break the app's invariants.")


if __name__ == "__main__":
    main()
