from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts import services
from apps.accounts.models import ApiToken, User
from apps.accounts.permissions import user_roles
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

NOT_AUTHENTICATED = {
    "error": {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "fields": {},
    }
}
PERMISSION_DENIED = {
    "error": {
        "code": "permission_denied",
        "message": "You do not have permission to perform this action.",
        "fields": {},
    }
}


def _bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_me_without_credentials_is_401(api_client):
    response = api_client.get(reverse("me"))

    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert response["WWW-Authenticate"] == "Bearer"


def test_me_with_api_token(api_client, author):
    _, secret = services.api_token_create(user=author, name="script")

    response = api_client.get(reverse("me"), **_bearer(secret))

    assert response.status_code == 200
    assert response.json() == {
        "public_id": str(author.public_id),
        "username": "carol",
        "email": "carol@example.org",
        "roles": ["author", "student"],
    }


def test_me_with_revoked_token_is_401(api_client, student):
    token, secret = services.api_token_create(user=student, name="script")
    services.api_token_revoke(user=student, public_id=token.public_id)

    response = api_client.get(reverse("me"), **_bearer(secret))

    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "authentication_failed",
            "message": "Invalid or revoked API token.",
            "fields": {},
        }
    }


def test_me_with_malformed_bearer_is_401(api_client):
    response = api_client.get(reverse("me"), HTTP_AUTHORIZATION="Bearer a b")

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Malformed Authorization header."


def test_session_api_write_needs_csrf(student):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(student)

    response = client.post(reverse("tokens"), {"name": "x"}, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": "CSRF Failed: CSRF cookie not set.",
            "fields": {},
        }
    }
    assert ApiToken.objects.count() == 0


def _session_create(client, username, password, *, address="10.0.0.1", token=None):
    headers = {"HTTP_X_CSRFTOKEN": token} if token else {}
    return client.post(
        reverse("session"),
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
        **headers,
    )


def _browser():
    """A client that checks CSRF as production does, holding the cookie of a page it loaded."""
    client = APIClient(enforce_csrf_checks=True)
    client.get(reverse("accounts:login"))
    return client, client.cookies["csrftoken"].value


INVALID_CREDENTIALS = {
    "error": {
        "code": "invalid_credentials",
        "message": "Your username or password is not right.",
        "fields": {},
    }
}
LOCKED_OUT = {
    "error": {
        "code": "locked_out",
        "message": "Too many failed logins: logging in to this account from your address is "
        "paused. Try again in 15 minutes.",
        "fields": {},
    }
}


def test_session_api_logs_in_and_returns_the_new_csrf_token(student):
    client, old_token = _browser()
    old_cookie = client.cookies["csrftoken"].value

    response = _session_create(client, "alice", PASSWORD, token=old_token)
    new_token = response.json()["csrf_token"]
    me = client.get(reverse("me"))
    with_new_token = client.post(
        reverse("tokens"), {"name": "phone"}, format="json", HTTP_X_CSRFTOKEN=new_token
    )
    with_old_token = client.post(
        reverse("tokens"), {"name": "laptop"}, format="json", HTTP_X_CSRFTOKEN=old_token
    )

    assert response.status_code == 200
    assert response.json() == {"username": "alice", "csrf_token": mock.ANY}
    assert client.cookies["csrftoken"].value != old_cookie
    assert me.status_code == 200
    assert me.json() == {
        "public_id": str(student.public_id),
        "username": "alice",
        "email": "alice@example.org",
        "roles": ["student"],
    }
    assert with_new_token.status_code == 201
    assert with_old_token.status_code == 403
    assert with_old_token.json() == {
        "error": {
            "code": "permission_denied",
            "message": "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header incorrect.",
            "fields": {},
        }
    }
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["phone"]


def test_session_api_restores_an_expired_session(student):
    client, token = _browser()
    _session_create(client, "alice", PASSWORD, token=token)
    token = client.cookies["csrftoken"].value
    expired = client.cookies["sessionid"].value
    Session.objects.all().delete()
    before = client.get(reverse("me"))

    response = _session_create(client, "alice", PASSWORD, token=token)
    after = client.get(reverse("me"))

    assert before.status_code == 401
    assert response.status_code == 200
    assert after.status_code == 200
    assert client.cookies["sessionid"].value != expired


def test_session_api_wrong_password_is_400_without_session(api_client, student):
    response = _session_create(api_client, "alice", "wrong password")
    me = api_client.get(reverse("me"))

    assert response.status_code == 400
    assert response.json() == INVALID_CREDENTIALS
    assert me.status_code == 401
    assert Session.objects.count() == 0


def test_session_api_unknown_user_is_400(api_client, student):
    response = _session_create(api_client, "mallory", PASSWORD)

    assert response.status_code == 400
    assert response.json() == INVALID_CREDENTIALS
    assert Session.objects.count() == 0


def test_session_api_inactive_account_is_400(api_client):
    UserFactory(username="frank", is_active=False)

    response = _session_create(api_client, "frank", PASSWORD)

    assert response.status_code == 400
    assert response.json() == INVALID_CREDENTIALS
    assert Session.objects.count() == 0


def test_session_api_deleted_account_is_400(api_client, student):
    services.account_delete(user=student, password=PASSWORD)
    deleted_name = User.objects.get(pk=student.pk).username

    by_old_name = _session_create(api_client, "alice", PASSWORD)
    by_new_name = _session_create(api_client, deleted_name, PASSWORD)

    assert by_old_name.status_code == 400
    assert by_old_name.json() == INVALID_CREDENTIALS
    assert by_new_name.status_code == 400
    assert by_new_name.json() == INVALID_CREDENTIALS
    assert Session.objects.count() == 0


def test_session_api_refuses_missing_fields(api_client):
    response = api_client.post(reverse("session"), {}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "Some of the input is not valid.",
            "fields": {
                "username": ["This field is required."],
                "password": ["This field is required."],
            },
        }
    }


def test_session_api_without_csrf_token_is_403(student):
    # Another site can make the browser send the cookie, never the token: a login CSRF.
    client, _ = _browser()

    response = _session_create(client, "alice", PASSWORD)
    me = client.get(reverse("me"))

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "csrf_failed",
            "message": "The form had expired or came from another site. "
            "Reload the page and try again.",
            "fields": {},
        }
    }
    assert me.status_code == 401
    assert Session.objects.count() == 0


def test_session_api_without_csrf_cookie_is_403(student):
    client = APIClient(enforce_csrf_checks=True)

    response = _session_create(client, "alice", PASSWORD, token="x" * 64)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert Session.objects.count() == 0


def test_session_api_locks_out_after_repeated_failures(api_client, student):
    statuses = [_session_create(api_client, "alice", "wrong").status_code for _ in range(5)]

    locked = _session_create(api_client, "alice", PASSWORD)
    from_elsewhere = _session_create(APIClient(), "alice", PASSWORD, address="10.0.0.2")

    assert statuses == [400, 400, 400, 400, 429]
    assert locked.status_code == 429
    assert locked.json() == LOCKED_OUT
    assert locked["Retry-After"] == "900"
    assert api_client.get(reverse("me")).status_code == 401
    assert from_elsewhere.status_code == 200


def test_session_api_shares_the_lockout_with_the_login_page(api_client, student):
    page = Client()
    for _ in range(5):
        page.post(
            reverse("accounts:login"),
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
        )

    response = _session_create(api_client, "alice", PASSWORD)

    assert response.status_code == 429
    assert response.json() == LOCKED_OUT
    assert Session.objects.count() == 0


def test_token_api_create_list_revoke(api_as, student):
    client = api_as(student)

    created = client.post(reverse("tokens"), {"name": "phone"}, format="json")
    listed = client.get(reverse("tokens"))
    token = ApiToken.objects.get()
    revoked = client.delete(reverse("token", args=[token.public_id]))

    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("vgt_")
    assert body == {
        "public_id": str(token.public_id),
        "name": "phone",
        "prefix": body["token"][:10],
        "created_at": token.created_at.isoformat().replace("+00:00", "Z"),
        "last_used_at": None,
        "token": body["token"],
    }
    assert listed.json() == [{k: v for k, v in body.items() if k != "token"}]
    assert revoked.status_code == 204
    assert ApiToken.objects.count() == 0


def test_token_api_create_refuses_bad_input(api_as, student):
    client = api_as(student)

    missing = client.post(reverse("tokens"), {}, format="json")
    too_long = client.post(reverse("tokens"), {"name": "x" * 101}, format="json")

    assert missing.status_code == 400
    assert missing.json() == {
        "error": {
            "code": "invalid",
            "message": "Some of the input is not valid.",
            "fields": {"name": ["This field is required."]},
        }
    }
    assert too_long.json()["error"]["fields"] == {
        "name": ["Ensure this field has no more than 100 characters."]
    }
    assert ApiToken.objects.count() == 0


def test_token_api_revoke_other_users_token_is_404(api_as, student, other_student):
    token, _ = services.api_token_create(user=other_student, name="phone")

    response = api_as(student).delete(reverse("token", args=[token.public_id]))

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "No such token.", "fields": {}}
    }
    assert ApiToken.objects.count() == 1


def test_users_api_roles(api_client, api_as, student, admin_user):
    anonymous = api_client.get(reverse("users"))
    as_student = api_as(student).get(reverse("users"))

    assert anonymous.status_code == 401
    assert anonymous.json() == NOT_AUTHENTICATED
    assert as_student.status_code == 403
    assert as_student.json() == PERMISSION_DENIED


def test_users_api_lists_users_with_roles(api_as, student, admin_user):
    response = api_as(admin_user).get(reverse("users"))

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "public_id": str(student.public_id),
                "username": "alice",
                "email": "alice@example.org",
                "is_active": True,
                "date_joined": student.date_joined.isoformat().replace("+00:00", "Z"),
                "roles": ["student"],
            },
            {
                "public_id": str(admin_user.public_id),
                "username": "erin",
                "email": "erin@example.org",
                "is_active": True,
                "date_joined": admin_user.date_joined.isoformat().replace("+00:00", "Z"),
                "roles": ["admin", "student"],
            },
        ],
    }


@pytest.mark.parametrize("other_users", [1, 3])
def test_users_api_query_count_is_fixed(api_as, admin_user, django_assert_num_queries, other_users):
    UserFactory.create_batch(other_users)
    client = api_as(admin_user)

    # 1 session, 2 user, 3 the admin's roles, 4 count, 5 the page of users, 6 their role grants
    with django_assert_num_queries(6):
        response = client.get(reverse("users"))

    assert len(response.json()["results"]) == other_users + 1


def test_users_api_set_roles(api_as, student, admin_user):
    response = api_as(admin_user).put(
        reverse("user_roles", args=[student.public_id]),
        {"roles": ["student", "editor"]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {"roles": ["editor", "student"]}
    assert user_roles(type(student).objects.get(pk=student.pk)) == frozenset({"student", "editor"})


def test_users_api_set_roles_refuses_bad_input(api_as, student, admin_user):
    client = api_as(admin_user)

    unknown = client.put(
        reverse("user_roles", args=[student.public_id]), {"roles": ["wizard"]}, format="json"
    )
    last_admin = client.put(
        reverse("user_roles", args=[admin_user.public_id]), {"roles": ["student"]}, format="json"
    )

    assert unknown.status_code == 400
    assert unknown.json() == {
        "error": {
            "code": "invalid",
            "message": "Some of the input is not valid.",
            "fields": {"roles.0": ['"wizard" is not a valid choice.']},
        }
    }
    assert last_admin.status_code == 409
    assert last_admin.json() == {
        "error": {
            "code": "conflict",
            "message": "This is the last admin; grant the admin role to someone else first.",
            "fields": {},
        }
    }
    assert user_roles(type(student).objects.get(pk=student.pk)) == frozenset({"student"})


def test_users_api_set_roles_unknown_user_is_404(api_as, admin_user):
    response = api_as(admin_user).put(
        reverse("user_roles", args=["00000000-0000-0000-0000-000000000000"]),
        {"roles": []},
        format="json",
    )

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "No such user.", "fields": {}}
    }
