"""A full-text index for the bank's search on PostgreSQL; SQLite searches without one."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS question_search_idx ON questions_question "
    "USING gin (to_tsvector('english', search_document))"
)
DROP = "DROP INDEX IF EXISTS question_search_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("questions", "0002_taxonomy")]

    operations = [migrations.RunPython(create, drop)]
