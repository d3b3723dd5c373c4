"""Every route of the project, read from the URL resolver, for the tests that visit them all
(tests/test_access.py, tests/blocks/test_leaks.py): a new route is visited without anyone
having to list it."""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

# A path parameter, "<uuid:public_id>" or "<token>"; in a regex route, the name of a group.
_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")

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
    path: str  # as the patterns spell it: "blocks/<uuid:public_id>/item/<int:position>/"
    name: str  # with its namespace, "blocks:take"; "" for an unnamed route
    callback: object
    namespace: str = ""

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

    @property
    def parameters(self) -> list[tuple[str, str]]:
        """Each parameter's name, with the path segment before it, which says what the
        parameter names: ("public_id", "blocks/<uuid:public_id>")."""
        found = []
        for match in _PARAMETER.finditer(self.path):
            before = self.path[: match.start()].rstrip("/").rpartition("/")[2]
            found.append((match["name"], f"{before}/{match[0]}"))
        return found

    def url(self, **values: str) -> str:
        path = _PARAMETER.sub(lambda match: str(values[match["name"]]), self.path)
        return "/" + path.lstrip("^").rstrip("$").replace("\\", "")

    def sample_url(self) -> str:
        """The route with a value of the right shape in every parameter."""
        return self.url(
            **{
                match["name"]: _CONVERTER_SAMPLES[match["converter"] or "str"]
                for match in _PARAMETER.finditer(self.path)
            }
        )

    def __str__(self) -> str:
        return f"{self.name or '(unnamed)'} /{self.path}"


def project_routes(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[Route]:
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from project_routes(pattern, prefix + route, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or ""
            qualified = f"{namespace}:{name}" if namespace and name else name
            yield Route(prefix + route, qualified, pattern.callback, namespace)
