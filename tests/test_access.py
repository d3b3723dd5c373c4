"""Every route declares who may use it, and the declaration holds for anonymous and wrong roles.

Page views declare access with apps.core.access.public / login_required or
apps.accounts.permissions.role_required; API views list their own permission_classes.
"""

import re
import uuid
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from apps.accounts.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

# Django's admin guards its own views (staff and permissions); it is covered by the admin site.
SELF_GUARDED_NAMESPACES = {"admin"}

_CONVERTER_SAMPLES = {
    "uuid": str(uuid.UUID(int=1)),
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "vq": "VQ-000001",
}


@dataclass(frozen=True)
class Route:
    path: str
    name: str
    callback: object

    @property
    def api_class(self):
        return getattr(self.callback, "cls", None)

    @property
    def access(self) -> str | None:
        if self.api_class is not None:
            # Declared by the view or a base of its own, never inherited from DRF's default.
            declared = next(
                (
                    vars(cls)["permission_classes"]
                    for cls in self.api_class.__mro__
                    if "permission_classes" in vars(cls) and cls is not APIView
                ),
                None,
            )
            if declared is None:
                return None
            if list(declared) == [AllowAny]:
                return "public"
            return "api"
        return getattr(self.callback, "vignette_access", None)


def _routes(resolver: URLResolver = None, prefix: str = "", namespace: str = ""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if inner in SELF_GUARDED_NAMESPACES:
                continue
            yield from _routes(pattern, prefix + route, inner)
        elif isinstance(pattern, URLPattern):
            yield Route(prefix + route, pattern.name or "", pattern.callback)


def _sample_url(path: str) -> str:
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: _CONVERTER_SAMPLES[m[1] or "str"], path)
    path = path.lstrip("^").rstrip("$").replace("\\", "")
    return "/" + path


ROUTES = list(_routes())


def test_access_every_route_declares_who_may_use_it():
    undeclared = [route.path for route in ROUTES if route.access is None]

    assert len(ROUTES) > 20
    assert undeclared == []


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.access not in (None, "public")], ids=lambda r: r.path
)
def test_access_anonymous_is_refused(client, route):
    response = client.get(_sample_url(route.path))

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

    response = client.get(_sample_url(route.path))

    assert response.status_code == 403
