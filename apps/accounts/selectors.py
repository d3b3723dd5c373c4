from django.db.models import Prefetch, QuerySet

from apps.accounts.models import ApiToken, Invite, RoleGrant, User


def user_list() -> QuerySet[User]:
    """Active and inactive users with their role grants fetched in one more query."""
    return (
        User.objects.filter(deleted_at__isnull=True)
        .order_by("username")
        .prefetch_related(
            Prefetch("role_grants", queryset=RoleGrant.objects.only("user_id", "role"))
        )
    )


def user_by_public_id(*, public_id) -> User | None:
    return User.objects.filter(public_id=public_id, deleted_at__isnull=True).first()


def api_tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def invites_open() -> QuerySet[Invite]:
    return Invite.objects.filter(used_at__isnull=True).select_related("created_by")


def roles_of(user: User) -> list[str]:
    """Roles from prefetched grants (see user_list), with admin for superusers."""
    roles = {grant.role for grant in user.role_grants.all()}
    if user.is_superuser:
        roles.add("admin")
    return sorted(roles)
