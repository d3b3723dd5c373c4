import pytest

from apps.accounts.models import User
from apps.accounts.permissions import user_roles

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def test_admin_change_user_sets_roles_through_the_service(client, student, admin_user):
    client.force_login(admin_user)
    url = f"/admin/accounts/user/{student.pk}/change/"

    page = client.get(url)
    response = client.post(
        url,
        {
            "username": "alice",
            "email": "alice@example.org",
            "first_name": "",
            "last_name": "",
            "is_active": "on",
            "roles": ["student", "editor", "admin"],
        },
    )

    assert page.status_code == 200
    assert response.status_code == 302
    changed = User.objects.get(pk=student.pk)
    assert user_roles(changed) == frozenset({"student", "editor", "admin"})
    assert (changed.is_staff, changed.is_superuser) == (True, True)


def test_admin_add_user(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "nora",
            "password1": "plum tree in april",
            "password2": "plum tree in april",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(username="nora").check_password("plum tree in april")


def test_admin_is_closed_to_students(client, student):
    client.force_login(student)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
