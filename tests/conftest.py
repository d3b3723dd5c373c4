import importlib

import pytest
from django.db import connection
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
