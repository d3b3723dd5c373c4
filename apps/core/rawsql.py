"""Model instances from hand-written SQL, for the few hot paths where compiling a queryset
costs more than running it (the change endpoint, which every click of every student reaches).

Values pass through the same converters the ORM applies, so an instance read here is the
instance a queryset would give, on SQLite and PostgreSQL alike.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


class Reader:
    """Reads one model's concrete columns, aliased `alias`, out of a longer result row."""

    def __init__(self, model: type[Model], alias: str):
        self.model = model
        self.alias = alias
        self.fields = model._meta.concrete_fields
        self.names = [field.attname for field in self.fields]
        self.width = len(self.fields)
        self._converters: list[list] | None = None

    def columns(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(field.column)}" for field in self.fields)

    def instance(self, row: Sequence[Any], start: int = 0) -> Model:
        values = list(row[start : start + self.width])
        for index, column, converters in self.converters():
            for convert in converters:
                values[index] = convert(values[index], column, connection)
        return self.model.from_db(connection.alias, self.names, values)

    def converters(self) -> list[tuple[int, Any, list]]:
        """(position, column, converters) for each column that needs converting; a process
        has one database, so this is worked out once."""
        if self._converters is None:
            self._converters = []
            for index, field in enumerate(self.fields):
                column = field.get_col(self.alias)
                found = connection.ops.get_db_converters(column) + column.get_db_converters(
                    connection
                )
                if found:
                    self._converters.append((index, column, found))
        return self._converters


def update(instance: Model, names: Sequence[str]) -> None:
    """UPDATE one row's columns `names` to the instance's values, by primary key."""
    meta = instance._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    values = [
        field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608  model names
            f"WHERE {quote(meta.pk.column)} = %s",
            [*values, instance.pk],
        )


def insert_ignoring_conflicts(
    model: type[Model], names: Sequence[str], rows: list[Sequence]
) -> None:
    """INSERT the rows (values for the fields `names`, in order) in one statement, skipping
    any that would break a unique constraint; columns not named take the database's
    defaults. Nothing is sent for no rows."""
    if not rows:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in names]
    row = f"({placeholders(len(fields))})"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"  # noqa: S608  model names
        f" VALUES {', '.join([row] * len(rows))} ON CONFLICT DO NOTHING"
    )
    values = [
        field.get_db_prep_save(value, connection)
        for values in rows
        for field, value in zip(fields, values, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def parameter(model: type[Model], name: str, value: Any) -> Any:
    """A value as the database stores the field `name` (a UUID is text on SQLite)."""
    return model._meta.get_field(name).get_db_prep_value(value, connection)


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)
