from django.conf import settings

from apps.accounts.models import Role
from apps.accounts.permissions import user_roles


def roles(request) -> dict:
    """The signed-in user's roles, for the header and navigation."""
    held = user_roles(request.user) if hasattr(request, "user") else frozenset()
    return {
        "user_roles": [Role(role) for role in Role.values if role in held],
        "is_admin": Role.ADMIN in held,
        "is_editor": Role.EDITOR in held,
        "can_use_bank": bool({Role.AUTHOR, Role.EDITOR} & held),
        "signup_open": settings.VIGNETTE_SIGNUP != "invite",
    }
