import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings

from apps.accounts import services
from apps.accounts.models import ApiToken, Invite, Role, RoleGrant, User
from apps.accounts.permissions import has_role, user_roles
from apps.core.errors import Conflict, InvalidInput, NotFound
from config import settings as production_settings
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

GOOD_PASSWORD = "plum tree in april"


def _snapshot():
    return (
        list(User.objects.order_by("pk").values_list("username", "email", "is_active")),
        sorted(RoleGrant.objects.values_list("user__username", "role")),
        list(Invite.objects.values_list("used_at", flat=True)),
    )


def test_user_sign_up_open_creates_student():
    user = services.user_sign_up(username="nora", email="nora@example.org", password=GOOD_PASSWORD)

    assert user_roles(user) == frozenset({"student"})
    assert user.check_password(GOOD_PASSWORD)


@override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS)
def test_user_sign_up_hashes_with_argon2():
    user = services.user_sign_up(username="nora", email="nora@example.org", password=GOOD_PASSWORD)

    assert identify_hasher(user.password).algorithm == "argon2"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("x" * 129, "This password is too long. It may have at most 128 characters."),
    ],
)
def test_user_sign_up_refuses_weak_password_and_changes_nothing(password, message):
    before = _snapshot()

    with pytest.raises(InvalidInput) as refused:
        services.user_sign_up(username="nora", email="nora@example.org", password=password)

    assert refused.value.fields == {"password": [message]}
    assert _snapshot() == before


def test_user_sign_up_accepts_long_passphrase_without_composition_rules():
    passphrase = "all lower case words with no digits at all " * 2  # 86 characters

    user = services.user_sign_up(username="nora", email="nora@example.org", password=passphrase)

    assert user.check_password(passphrase)


def test_user_sign_up_refuses_taken_username_and_email_case_insensitively(student):
    before = _snapshot()

    with pytest.raises(InvalidInput) as refused:
        services.user_sign_up(username="ALICE", email="ALICE@example.org", password=GOOD_PASSWORD)

    assert refused.value.fields == {
        "username": ["That user name is taken."],
        "email": ["An account with this e-mail address exists already."],
    }
    assert _snapshot() == before


def test_user_sign_up_refuses_bad_username_and_email():
    with pytest.raises(InvalidInput) as refused:
        services.user_sign_up(username="no spaces!", email="not-an-email", password=GOOD_PASSWORD)

    assert set(refused.value.fields) == {"username", "email"}
    assert refused.value.fields["email"] == ["Enter a valid e-mail address."]
    assert User.objects.count() == 0


@override_settings(VIGNETTE_SIGNUP="domain", VIGNETTE_SIGNUP_DOMAINS=["school.edu"])
def test_user_sign_up_domain_mode_admits_only_listed_domains():
    with pytest.raises(InvalidInput) as refused:
        services.user_sign_up(username="nora", email="nora@gmail.com", password=GOOD_PASSWORD)
    user = services.user_sign_up(username="omar", email="omar@School.edu", password=GOOD_PASSWORD)

    assert refused.value.fields == {"email": ["Use an address at school.edu."]}
    assert list(User.objects.values_list("username", flat=True)) == [user.username]


@override_settings(VIGNETTE_SIGNUP="invite")
def test_user_sign_up_invite_mode_needs_an_invite(admin_user):
    before = _snapshot()

    with pytest.raises(InvalidInput) as refused:
        services.user_sign_up(username="nora", email="nora@example.org", password=GOOD_PASSWORD)

    assert refused.value.message == "Sign-up on this instance needs an invite link from an admin."
    assert _snapshot() == before


@override_settings(VIGNETTE_SIGNUP="invite")
def test_user_sign_up_with_invite_grants_its_roles_once(admin_user):
    invite, token = services.invite_create(created_by=admin_user, roles=[Role.AUTHOR])

    user = services.user_sign_up(
        username="nora", email="nora@example.org", password=GOOD_PASSWORD, invite_token=token
    )
    with pytest.raises(NotFound):
        services.user_sign_up(
            username="omar", email="omar@example.org", password=GOOD_PASSWORD, invite_token=token
        )

    invite.refresh_from_db()
    assert user_roles(user) == frozenset({"student", "author"})
    assert invite.used_by == user
    assert not User.objects.filter(username="omar").exists()


def test_user_sign_up_invite_for_an_address_refuses_another(admin_user):
    _, token = services.invite_create(created_by=admin_user, email="nora@example.org")

    with pytest.raises(InvalidInput) as refused:
        services.user_sign_up(
            username="omar", email="omar@example.org", password=GOOD_PASSWORD, invite_token=token
        )

    assert refused.value.fields == {"email": ["This invite is for nora@example.org."]}


def test_invite_expires(admin_user):
    _, token = services.invite_create(created_by=admin_user)

    with time_machine.travel("2099-01-01"), pytest.raises(NotFound):
        services.invite_for_token(token)


def test_invite_create_refuses_unknown_role_and_bad_email(admin_user):
    with pytest.raises(InvalidInput) as bad_role:
        services.invite_create(created_by=admin_user, roles=["wizard"])
    with pytest.raises(InvalidInput) as bad_email:
        services.invite_create(created_by=admin_user, email="nope")

    assert bad_role.value.fields == {"roles": ["'wizard' is not a role."]}
    assert bad_email.value.fields == {"email": ["Enter a valid e-mail address."]}
    assert Invite.objects.count() == 0


def test_roles_set_grants_and_revokes(student, admin_user):
    roles = services.roles_set(user=student, roles=["student", "editor"], granted_by=admin_user)

    assert roles == frozenset({"student", "editor"})
    assert has_role(student, Role.EDITOR)
    assert RoleGrant.objects.get(user=student, role="editor").granted_by == admin_user


def test_roles_set_admin_role_drives_django_admin_flags(student, admin_user):
    services.roles_set(user=student, roles=["student", "admin"], granted_by=admin_user)
    student.refresh_from_db()
    assert (student.is_staff, student.is_superuser) == (True, True)

    services.roles_set(user=student, roles=["student"], granted_by=admin_user)
    student.refresh_from_db()
    assert (student.is_staff, student.is_superuser) == (False, False)


def test_roles_set_refuses_removing_the_last_admin(admin_user):
    with pytest.raises(Conflict):
        services.roles_set(user=admin_user, roles=["student"], granted_by=admin_user)

    admin_user.refresh_from_db()
    assert admin_user.is_superuser
    assert has_role(admin_user, Role.ADMIN)


def test_roles_set_refuses_unknown_role(student, admin_user):
    with pytest.raises(InvalidInput) as refused:
        services.roles_set(user=student, roles=["student", "root"], granted_by=admin_user)

    assert refused.value.fields == {"roles": ["'root' is not a role."]}
    assert user_roles(student) == frozenset({"student"})


def test_api_token_is_stored_hashed_and_authenticates(student):
    token, secret = services.api_token_create(user=student, name="phone")

    found = services.api_token_authenticate(secret=secret)

    assert secret.startswith("vgt_")
    assert secret not in ApiToken.objects.values_list("key_hash", flat=True)
    assert found == token
    assert found.user == student


def test_api_token_create_refuses_blank_and_duplicate_names(student):
    services.api_token_create(user=student, name="phone")

    with pytest.raises(InvalidInput) as blank:
        services.api_token_create(user=student, name="  ")
    with pytest.raises(InvalidInput) as duplicate:
        services.api_token_create(user=student, name="phone")

    assert blank.value.fields == {"name": ["Give the token a name, such as the device it is for."]}
    assert duplicate.value.fields == {"name": ["You already have a token with this name."]}
    assert ApiToken.objects.count() == 1


def test_api_token_last_used_is_written_at_most_once_a_minute(student):
    _, secret = services.api_token_create(user=student, name="phone")

    with time_machine.travel("2026-11-25 10:00:00Z", tick=False):
        services.api_token_authenticate(secret=secret)
    with time_machine.travel("2026-11-25 10:00:59Z", tick=False):
        services.api_token_authenticate(secret=secret)
        first = ApiToken.objects.get().last_used_at
    with time_machine.travel("2026-11-25 10:01:01Z", tick=False):
        services.api_token_authenticate(secret=secret)
        second = ApiToken.objects.get().last_used_at

    assert first.isoformat() == "2026-11-25T10:00:00+00:00"
    assert second.isoformat() == "2026-11-25T10:01:01+00:00"


def test_api_token_revoke_is_own_tokens_only(student, other_student):
    token, secret = services.api_token_create(user=student, name="phone")

    with pytest.raises(NotFound):
        services.api_token_revoke(user=other_student, public_id=token.public_id)
    services.api_token_revoke(user=student, public_id=token.public_id)

    assert services.api_token_authenticate(secret=secret) is None


def test_account_delete_anonymises(student):
    services.api_token_create(user=student, name="phone")
    pk = student.pk

    services.account_delete(user=student, password=PASSWORD)

    user = User.objects.get(pk=pk)
    assert user.username.startswith("deleted-")
    assert (user.email, user.is_active, user.has_usable_password()) == ("", False, False)
    assert user.deleted_at is not None
    assert ApiToken.objects.count() == 0
    assert RoleGrant.objects.filter(user=user).count() == 0


def test_account_delete_refuses_wrong_password_and_changes_nothing(student):
    before = _snapshot()

    with pytest.raises(InvalidInput) as refused:
        services.account_delete(user=student, password="not it")

    assert refused.value.fields == {"password": ["That is not your current password."]}
    assert _snapshot() == before


def test_demo_accounts_ensure_keeps_existing_passwords():
    first = services.demo_accounts_ensure(new_passwords=False)
    again = services.demo_accounts_ensure(new_passwords=False)

    assert [a.username for a in first] == ["student", "author", "editor", "admin"]
    assert all(a.password for a in first)
    assert [a.password for a in again] == [None, None, None, None]
    admin = User.objects.get(username="admin")
    assert admin.check_password(first[3].password)
    assert user_roles(admin) == frozenset({"student", "admin"})


def test_demo_accounts_ensure_sets_new_passwords_when_asked():
    first = services.demo_accounts_ensure(new_passwords=False)

    renewed = services.demo_accounts_ensure(new_passwords=True)

    student = User.objects.get(username="student")
    assert renewed[0].password != first[0].password
    assert student.check_password(renewed[0].password)
    assert User.objects.count() == 4
