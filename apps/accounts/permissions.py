"""Who may do what: the one place that answers role questions, for pages, API and tasks."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from apps.accounts.models import Role

_CACHE_ATTR = "_vignette_roles"


def user_roles(user) -> frozenset[str]:
    """The roles a user holds; read once per user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        roles = set(user.role_grants.values_list("role", flat=True))
        if user.is_superuser:
            roles.add(Role.ADMIN.value)
        cached = frozenset(roles)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_role(user, role: Role | str) -> bool:
    return Role(role).value in user_roles(user)


# --- Pages ----------------------------------------------------------------------------------
# Every page view declares its access: apps.core.access.public or login_required, or this.


def role_required(*roles: Role):
    """Let in holders of any of `roles`; others get 403, anonymous users the login page."""
    roles = tuple(Role(role) for role in roles)
    names = " or ".join(role.label.lower() for role in roles)

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(has_role(request.user, role) for role in roles):
                raise PermissionDenied(f"This page needs the {names} role.")
            return view(request, *args, **kwargs)

        wrapped.vignette_access = ",".join(role.value for role in roles)
        return wrapped

    return decorate


# --- API ------------------------------------------------------------------------------------


class _HasRole(BasePermission):
    role: Role

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, self.role)


def api_role(role: Role) -> type[BasePermission]:
    """A DRF permission class that lets in holders of `role` only."""
    return type(f"Has{Role(role).name.title()}Role", (_HasRole,), {"role": Role(role)})


class IsAuthorOrEditor(BasePermission):
    def has_permission(self, request, view) -> bool:
        return has_role(request.user, Role.AUTHOR) or has_role(request.user, Role.EDITOR)


IsAdmin = api_role(Role.ADMIN)
IsEditor = api_role(Role.EDITOR)
IsAuthor = api_role(Role.AUTHOR)
