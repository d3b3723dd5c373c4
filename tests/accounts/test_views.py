import re

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from apps.accounts import services
from apps.accounts.models import ApiToken, Invite, User
from apps.accounts.permissions import user_roles
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

GOOD_PASSWORD = "plum tree in april"


def _login(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_signup_page_creates_account_and_signs_in(client):
    response = client.post(
        reverse("accounts:signup"),
        {"username": "nora", "email": "nora@example.org", "password": GOOD_PASSWORD},
    )

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("accounts:settings")).status_code == 200
    assert user_roles(User.objects.get(username="nora")) == frozenset({"student"})


def test_signup_page_shows_field_messages_and_creates_nothing(client, student):
    response = client.post(
        reverse("accounts:signup"),
        {"username": "alice", "email": "bad", "password": "short"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "email": ["Enter a valid email address."],
    }
    assert User.objects.count() == 1


def test_signup_page_shows_service_messages(client, student):
    response = client.post(
        reverse("accounts:signup"),
        {"username": "alice", "email": "x@example.org", "password": "short"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "username": ["That user name is taken."],
        "password": ["This password is too short. It must contain at least 8 characters."],
    }
    assert User.objects.count() == 1


@override_settings(VIGNETTE_SIGNUP="invite")
def test_signup_page_invite_mode_without_invite_explains(client):
    response = client.get(reverse("accounts:signup"))

    assert response.status_code == 403
    assert b"invite only" in response.content


@override_settings(VIGNETTE_SIGNUP="invite")
def test_signup_page_with_invite_link(client, admin_user):
    _, token = services.invite_create(created_by=admin_user, roles=["author"])
    url = f"{reverse('accounts:signup')}?invite={token}"

    page = client.get(url)
    response = client.post(
        url,
        {
            "username": "nora",
            "email": "nora@example.org",
            "password": GOOD_PASSWORD,
            "invite": token,
        },
    )

    assert page.status_code == 200
    assert response.status_code == 302
    assert user_roles(User.objects.get(username="nora")) == frozenset({"student", "author"})


def test_signup_page_with_used_invite_is_refused(client, admin_user):
    _, token = services.invite_create(created_by=admin_user)
    services.user_sign_up(
        username="nora", email="nora@example.org", password=GOOD_PASSWORD, invite_token=token
    )

    response = client.get(f"{reverse('accounts:signup')}?invite={token}")

    assert response.status_code == 404
    assert b"may have been used or have expired" in response.content


def test_login_and_logout(client, student):
    login = _login(client, "alice", PASSWORD)
    logout = client.post(reverse("accounts:logout"))

    assert login.status_code == 302
    assert logout.status_code == 302
    assert client.get(reverse("accounts:settings")).status_code == 302


def test_login_wrong_password_shows_message(client, student):
    response = _login(client, "alice", "wrong password")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Please enter a correct username and password. Note that both fields may be case-sensitive."
    ]


def test_login_throttle_locks_account_and_address_only(client, student):
    statuses = [_login(client, "alice", "wrong password").status_code for _ in range(5)]

    locked = _login(client, "alice", PASSWORD)
    from_elsewhere = _login(client, "alice", PASSWORD, address="10.0.0.2")

    assert statuses == [200, 200, 200, 200, 429]
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    assert from_elsewhere.status_code == 302


def test_password_reset_sends_link_that_sets_password(client, student):
    client.post(reverse("accounts:password_reset"), {"email": "alice@example.org"})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)[1]

    form = client.get(link, follow=True)
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD},
    )

    assert mail.outbox[0].subject == "Reset your Vignette password"
    assert done.status_code == 302
    student.refresh_from_db()
    assert student.check_password(GOOD_PASSWORD)


def test_password_reset_for_unknown_email_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})

    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_password_change_refuses_wrong_old_password(client, student):
    client.force_login(student)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "nope", "new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "old_password": ["Your old password was entered incorrectly. Please enter it again."]
    }
    student.refresh_from_db()
    assert student.check_password(PASSWORD)


def test_password_change_sets_new_password(client, student):
    client.force_login(student)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD},
    )

    assert response.status_code == 302
    student.refresh_from_db()
    assert student.check_password(GOOD_PASSWORD)


def test_settings_token_create_shows_secret_once(client, student):
    client.force_login(student)

    created = client.post(reverse("accounts:token_create"), {"name": "phone"}, follow=True)
    again = client.get(reverse("accounts:settings"))

    secret = created.context["new_token"]["secret"]
    assert secret.encode() in created.content
    assert secret.encode() not in again.content
    assert ApiToken.objects.get().name == "phone"


def test_settings_token_create_refuses_blank_name(client, student):
    client.force_login(student)

    response = client.post(reverse("accounts:token_create"), {"name": ""})

    assert response.status_code == 400
    assert response.context["token_form"].errors == {"name": ["This field is required."]}
    assert ApiToken.objects.count() == 0


def test_settings_token_revoke_only_own(client, student, other_student):
    token, _ = services.api_token_create(user=other_student, name="phone")
    client.force_login(student)

    response = client.post(reverse("accounts:token_revoke", args=[token.public_id]), follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "That token does not exist (it may have been revoked already)."
    ]
    assert ApiToken.objects.count() == 1


def test_account_delete_page_needs_password_and_confirmation(client, student):
    client.force_login(student)

    response = client.post(reverse("accounts:delete"), {"password": "wrong", "confirm": "on"})
    unconfirmed = client.post(reverse("accounts:delete"), {"password": PASSWORD})

    assert response.status_code == 400
    assert response.context["form"].errors == {"password": ["That is not your current password."]}
    assert unconfirmed.context["form"].errors == {"confirm": ["Tick the box to confirm."]}
    student.refresh_from_db()
    assert student.is_active


def test_account_delete_page_deletes_and_logs_out(client, student):
    client.force_login(student)

    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    assert client.get(reverse("accounts:settings")).status_code == 302
    assert not User.objects.filter(username="alice").exists()


def test_account_delete_page_explains_what_stays(client, student):
    client.force_login(student)

    response = client.get(reverse("accounts:delete"))

    assert b"stays in the anonymous statistics" in response.content


def test_people_page_needs_admin_role(client, student, admin_user):
    anonymous = client.get(reverse("accounts:people"))
    client.force_login(student)
    as_student = client.get(reverse("accounts:people"))
    client.force_login(admin_user)
    as_admin = client.get(reverse("accounts:people"))

    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("accounts:login"))
    assert as_student.status_code == 403
    assert b"needs the admin role" in as_student.content
    assert as_admin.status_code == 200


def test_people_page_sets_roles(client, student, admin_user):
    client.force_login(admin_user)
    prefix = str(student.public_id)

    client.post(
        reverse("accounts:people_roles", args=[student.public_id]),
        {f"{prefix}-roles": ["student", "author"]},
    )

    assert user_roles(User.objects.get(pk=student.pk)) == frozenset({"student", "author"})


def test_people_page_refuses_unknown_role(client, student, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("accounts:people_roles", args=[student.public_id]),
        {f"{student.public_id}-roles": ["wizard"]},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == ["Choose roles from the list."]
    assert user_roles(User.objects.get(pk=student.pk)) == frozenset({"student"})


def test_invites_page_creates_link_and_revokes(client, admin_user):
    client.force_login(admin_user)

    created = client.post(reverse("accounts:invites"), {"email": "", "roles": ["editor"]})
    invite = Invite.objects.get()
    client.post(reverse("accounts:invite_revoke", args=[invite.public_id]))

    assert created.status_code == 200
    assert "/accounts/signup/?invite=" in created.context["new_link"]
    assert invite.roles == ["editor"]
    assert Invite.objects.count() == 0


def test_invites_page_refuses_bad_email(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("accounts:invites"), {"email": "nope"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"email": ["Enter a valid email address."]}
    assert Invite.objects.count() == 0


def test_page_post_without_csrf_token_is_refused(student):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)

    response = client.post(reverse("accounts:token_create"), {"name": "phone"})

    assert response.status_code == 403
    assert b"The form had expired or came from another site." in response.content
    assert ApiToken.objects.count() == 0
