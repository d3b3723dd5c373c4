import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts import services
from apps.accounts.models import ApiToken
from apps.accounts.permissions import user_roles
from tests.factories import UserFactory

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
