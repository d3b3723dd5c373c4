import importlib
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.accounts.models import Role
from tests.factories import UserFactory
from tests.services import need

pytest_plugins = ["tests.fixtures.services"]


@pytest.fixture(autouse=True)
def _postgres_only(request):
    """Tests marked `postgres` run on PostgreSQL only (CI runs them; elsewhere they skip)."""
    if request.node.get_closest_marker("postgres"):
        need(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")


_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN")


@pytest.fixture
def assert_statements():
    """Like django_assert_num_queries, without the transaction control around atomic blocks
    (savepoints inside a test, BEGIN on SQLite): the statements that do work.

        with assert_statements(6, at_most=True) as captured: ...
    """

    @contextmanager
    def check(expected: int, *, at_most: bool = False):
        with CaptureQueriesContext(connection) as context:
            yield context
        work = [
            query["sql"]
            for query in context.captured_queries
            if not query["sql"].upper().startswith(_TRANSACTION_CONTROL)
        ]
        listing = "\n".join(f"{n}. {sql[:160]}" for n, sql in enumerate(work, start=1))
        if at_most:
            assert len(work) <= expected, f"{len(work)} statements, at most {expected}:\n{listing}"
        else:
            assert len(work) == expected, f"{len(work)} statements, not {expected}:\n{listing}"

    return check


@pytest.fixture
def taxonomy(db):
    """The exams, disciplines and systems the migration loads, again: a transactional test
    runs after others have emptied every table."""
    from django.apps import apps

    migration = importlib.import_module("apps.questions.migrations.0002_taxonomy")
    migration.load(apps, schema_editor=None)


@pytest.fixture
def student(db):
    return UserFactory(username="alice", roles=[Role.STUDENT])


@pytest.fixture
def other_student(db):
    return UserFactory(username="bob", roles=[Role.STUDENT])


@pytest.fixture
def author(db):
    return UserFactory(username="carol", roles=[Role.STUDENT, Role.AUTHOR])


@pytest.fixture
def editor(db):
    return UserFactory(username="dave", roles=[Role.STUDENT, Role.AUTHOR, Role.EDITOR])


@pytest.fixture
def admin_user(db):
    return UserFactory(username="erin", roles=[Role.STUDENT, Role.ADMIN])


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def api_as(api_client):
    """An API client signed in (by session) as the given user."""

    def sign_in(user):
        api_client.force_login(user)
        return api_client

    return sign_in
