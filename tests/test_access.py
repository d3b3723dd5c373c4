"""Every route declares who may use it, and the declaration holds for anonymous and wrong roles.

Page views declare access with apps.core.access.public / login_required or
apps.accounts.permissions.role_required; API views list their own permission_classes.
"""

import pytest

from apps.accounts.models import Role
from tests.routes import Route, project_routes

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

# Django's admin guards its own views (staff and permissions); it is covered by the admin site.
SELF_GUARDED_NAMESPACES = {"admin"}

ROUTES = [route for route in project_routes() if route.namespace not in SELF_GUARDED_NAMESPACES]


def test_access_every_route_declares_who_may_use_it():
    undeclared = [route.path for route in ROUTES if route.access is None]

    assert len(ROUTES) > 20
    assert undeclared == []


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.access not in (None, "public")], ids=lambda r: r.path
)
def test_access_anonymous_is_refused(client, route):
    response = client.get(route.sample_url())

    if route.api_class is not None:
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/?next=")


def _needs_a_role_students_lack(route: Route) -> bool:
    roles = (route.access or "").split(",")
    return all(role in Role.values for role in roles) and Role.STUDENT not in roles


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if _needs_a_role_students_lack(r)], ids=lambda r: r.path
)
def test_access_student_is_refused_role_pages(client, student, route):
    client.force_login(student)

    response = client.get(route.sample_url())

    assert response.status_code == 403
