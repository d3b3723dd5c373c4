import pytest
from django.db import IntegrityError, transaction

from apps.accounts.models import RoleGrant
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def test_user_email_is_unique_ignoring_case_in_the_database(student):
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="alice2", email="ALICE@example.org")


def test_role_grant_refuses_unknown_role_in_the_database(student):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=student, role="wizard")
