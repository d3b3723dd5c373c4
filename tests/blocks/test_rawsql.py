"""The hand-written SQL of the hot paths reads and writes exactly what the ORM would."""

import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection

from apps.blocks import services
from apps.blocks.models import Block, BlockItem, Change
from apps.blocks.services import BlockSpec
from apps.core import rawsql
from tests.blocks.conftest import change

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def _columns(instance) -> dict:
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def test_reader_gives_the_instance_a_queryset_gives(student, bank):
    block = services.block_create(user=student, spec=BlockSpec(count=2, feedback="tutor"))
    services.changes_apply(
        user=student,
        public_id=block.public_id,
        changes=[
            change(1, "struck", ["A", "C"]),
            change(1, "highlights", [[0, 4], [9, 12]]),
            change(1, "note", "Café — ß"),
            change(1, "answer", "B"),
            change(1, "submit", "B"),
        ],
        client_now=block.created_at,
    )
    items, blocks = rawsql.Reader(BlockItem, "i"), rawsql.Reader(Block, "b")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {items.columns()}, {blocks.columns()} FROM blocks_blockitem i "  # noqa: S608
            "JOIN blocks_block b ON b.id = i.block_id ORDER BY i.position"
        )
        rows = cursor.fetchall()

    read = [items.instance(row) for row in rows]
    assert [_columns(item) for item in read] == [_columns(item) for item in block.items.all()]
    assert _columns(blocks.instance(rows[0], items.width)) == _columns(Block.objects.get())
    assert read[0].struck == ["A", "C"]
    assert read[0].submitted


# What block_create's insert names; the database supplies every other column.
SET_ON_INSERT = (
    "block",
    "position",
    "user",
    "pass_number",
    "question",
    "version",
    "key_letter",
    "option_count",
    "first_attempt",
)


def test_new_items_take_the_database_defaults_the_orm_would_set(student, bank):
    services.block_create(user=student, spec=BlockSpec(count=1))
    inserted, fresh = BlockItem.objects.get(), BlockItem()

    defaulted = [
        field.attname
        for field in BlockItem._meta.concrete_fields
        if field.name not in ("id", *SET_ON_INSERT)
    ]
    assert len(defaulted) == 14
    assert {name: getattr(inserted, name) for name in defaulted} == {
        name: getattr(fresh, name) for name in defaulted
    }


def test_update_writes_the_named_columns_only(student, bank):
    services.block_create(user=student, spec=BlockSpec(count=1))
    item = BlockItem.objects.get()
    item.highlights, item.note, item.answer = [[1, 2]], "Check the JVP.", "C"

    rawsql.update(item, ["highlights", "note"])

    assert BlockItem.objects.values_list("highlights", "note", "answer").get() == (
        [[1, 2]],
        "Check the JVP.",
        "",
    )


def test_insert_ignoring_conflicts_writes_what_the_orm_reads_and_skips_repeats(student, bank):
    block = services.block_create(user=student, spec=BlockSpec(count=1))
    change_id = uuid.uuid4()
    at = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    row = (block.pk, change_id, 1, "struck", ["A", "C"], at, at, at, "applied")
    columns = ("block", "change_id", "position", "field", "value")
    columns += ("client_time", "made_at", "received_at", "outcome")

    rawsql.insert_ignoring_conflicts(Change, columns, [row])
    rawsql.insert_ignoring_conflicts(Change, columns, [row])  # the same change id again

    stored = Change.objects.get()
    attnames = [Change._meta.get_field(name).attname for name in columns]
    assert tuple(getattr(stored, name) for name in attnames) == row
