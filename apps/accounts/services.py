"""Every write about accounts: sign-up, roles, invites, API tokens, deletion, demo accounts."""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from uuid import uuid4

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import ApiToken, Invite, Role, RoleGrant, User
from apps.accounts.permissions import forget_roles, user_roles
from apps.accounts.tokens import api_token_make, invite_token_make, secret_hash
from apps.core.errors import Conflict, InvalidInput, NotFound

API_TOKEN_TOUCH_SECONDS = 60


# --- Users and sign-up ----------------------------------------------------------------------


def _new_user_problems(*, username: str, email: str, password: str) -> dict[str, list[str]]:
    """Every reason to refuse this new account, by field, so the form can show them all."""
    fields: dict[str, list[str]] = {}
    if not username:
        fields["username"] = ["Choose a user name."]
    elif len(username) > 150:
        fields["username"] = ["Use at most 150 characters."]
    else:
        try:
            User.username_validator(username)
        except ValidationError as exc:
            fields["username"] = exc.messages
        else:
            if User.objects.filter(username__iexact=username).exists():
                fields["username"] = ["That user name is taken."]
    try:
        validate_email(email)
    except ValidationError:
        fields["email"] = ["Enter a valid e-mail address."]
    else:
        if User.objects.filter(email__iexact=email).exists():
            fields["email"] = ["An account with this e-mail address exists already."]
    try:
        password_validation.validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        fields["password"] = exc.messages
    return fields


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    password: str,
    roles: tuple[str, ...] = (Role.STUDENT,),
    granted_by: User | None = None,
) -> User:
    # NFKC, as the login page reads a user name: "ﬁle" signs up as "file", so that the name
    # typed at sign-up logs in, and no look-alike of an existing name can sign up beside it.
    username, email = User.normalize_username(username.strip()), email.strip()
    problems = _new_user_problems(username=username, email=email, password=password)
    if problems:
        raise InvalidInput("Some details need attention.", fields=problems)
    user = User(username=username, email=email)
    user.set_password(password)
    user.save()
    for role in roles:
        role_grant(user=user, role=role, granted_by=granted_by)
    return user


def signup_check(*, email: str, invite: Invite | None) -> None:
    """Refuse a sign-up that the instance's sign-up setting does not allow."""
    mode = settings.VIGNETTE_SIGNUP
    if mode == "domain":
        domain = email.rpartition("@")[2].lower()
        if domain not in settings.VIGNETTE_SIGNUP_DOMAINS:
            allowed = ", ".join(settings.VIGNETTE_SIGNUP_DOMAINS)
            raise InvalidInput(
                "Sign-up is limited to some e-mail domains.",
                fields={"email": [f"Use an address at {allowed}."]},
            )
    if mode == "invite" and invite is None:
        raise InvalidInput("Sign-up on this instance needs an invite link from an admin.")
    if invite is not None and invite.email and invite.email.lower() != email.lower():
        raise InvalidInput(
            "This invite is for another e-mail address.",
            fields={"email": [f"This invite is for {invite.email}."]},
        )


def invite_for_token(token: str) -> Invite:
    now = timezone.now()
    invite = Invite.objects.filter(token_hash=secret_hash(token)).first()
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        raise NotFound("This invite link is not valid: it may have been used or have expired.")
    return invite


@transaction.atomic
def user_sign_up(*, username: str, email: str, password: str, invite_token: str = "") -> User:
    invite = None
    if invite_token:
        invite = invite_for_token(invite_token)
        # Lock the invite so that two sign-ups racing for one link cannot both use it.
        invite = Invite.objects.select_for_update().get(pk=invite.pk, used_at__isnull=True)
    signup_check(email=email.strip(), invite=invite)
    roles = {Role.STUDENT.value, *(invite.roles if invite else [])}
    user = user_create(
        username=username,
        email=email,
        password=password,
        roles=tuple(sorted(roles)),
        granted_by=invite.created_by if invite else None,
    )
    if invite is not None:
        invite.used_at = timezone.now()
        invite.used_by = user
        invite.save(update_fields=["used_at", "used_by"])
    return user


# --- Roles ----------------------------------------------------------------------------------


def _sync_admin_flags(user: User, *, is_admin: bool) -> None:
    # Django's admin site reads is_staff/is_superuser; the admin role is their only source.
    if user.is_staff != is_admin or user.is_superuser != is_admin:
        user.is_staff = user.is_superuser = is_admin
        user.save(update_fields=["is_staff", "is_superuser"])


@transaction.atomic
def role_grant(*, user: User, role: str, granted_by: User | None = None) -> None:
    role = Role(role)
    RoleGrant.objects.get_or_create(user=user, role=role, defaults={"granted_by": granted_by})
    if role == Role.ADMIN:
        _sync_admin_flags(user, is_admin=True)
    forget_roles(user)


@transaction.atomic
def role_revoke(*, user: User, role: str) -> None:
    role = Role(role)
    if role == Role.ADMIN:
        other_admins = User.objects.filter(is_superuser=True, is_active=True).exclude(pk=user.pk)
        if not other_admins.exists():
            raise Conflict("This is the last admin; grant the admin role to someone else first.")
        _sync_admin_flags(user, is_admin=False)
    RoleGrant.objects.filter(user=user, role=role).delete()
    forget_roles(user)


@transaction.atomic
def roles_set(*, user: User, roles: list[str], granted_by: User) -> frozenset[str]:
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise InvalidInput(
            "Unknown role.", fields={"roles": [f"{name!r} is not a role." for name in unknown]}
        )
    current = user_roles(user)
    for role in set(roles) - current:
        role_grant(user=user, role=role, granted_by=granted_by)
    for role in current - set(roles):
        role_revoke(user=user, role=role)
    forget_roles(user)
    return user_roles(user)


# --- Invites --------------------------------------------------------------------------------


@transaction.atomic
def invite_create(
    *, created_by: User, email: str = "", roles: list[str] | None = None
) -> tuple[Invite, str]:
    roles = sorted(set(roles or []))
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        raise InvalidInput(
            "Unknown role.", fields={"roles": [f"{r!r} is not a role." for r in unknown]}
        )
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(fields={"email": ["Enter a valid e-mail address."]}) from None
    token = invite_token_make()
    invite = Invite.objects.create(
        token_hash=secret_hash(token),
        email=email,
        roles=roles,
        created_by=created_by,
        expires_at=timezone.now() + timedelta(days=settings.VIGNETTE_INVITE_DAYS),
    )
    return invite, token


@transaction.atomic
def invite_revoke(*, public_id) -> None:
    deleted, _ = Invite.objects.filter(public_id=public_id, used_at__isnull=True).delete()
    if not deleted:
        raise NotFound("No unused invite with this id.")


# --- API tokens -----------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    name = name.strip()
    if not name:
        raise InvalidInput(
            fields={"name": ["Give the token a name, such as the device it is for."]}
        )
    if len(name) > 100:
        raise InvalidInput(fields={"name": ["Use at most 100 characters."]})
    if ApiToken.objects.filter(user=user, name=name).exists():
        raise InvalidInput(fields={"name": ["You already have a token with this name."]})
    secret = api_token_make()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:10], key_hash=secret_hash(secret)
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, user: User, public_id) -> None:
    deleted, _ = ApiToken.objects.filter(user=user, public_id=public_id).delete()
    if not deleted:
        raise NotFound("No such token.")


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The token for this secret, with its user; records its use at most once a minute."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=secret_hash(secret), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    stale = now - timedelta(seconds=API_TOKEN_TOUCH_SECONDS)
    if token.last_used_at is None or token.last_used_at < stale:
        # Conditional, so that concurrent requests write the time once.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- Deleting one's account -----------------------------------------------------------------


@transaction.atomic
def account_delete(*, user: User, password: str) -> None:
    """Anonymise the account: no name, no e-mail, no login, no tokens, no sessions."""
    if not user.check_password(password):
        raise InvalidInput(fields={"password": ["That is not your current password."]})
    if Role.ADMIN in user_roles(user):
        role_revoke(user=user, role=Role.ADMIN)
    user.username = f"deleted-{uuid4().hex[:12]}"
    user.email = ""
    user.first_name = user.last_name = ""
    user.is_active = False
    user.deleted_at = timezone.now()
    user.set_unusable_password()
    user.save()
    user.api_tokens.all().delete()
    user.role_grants.all().delete()
    # The unusable password changes the session hash, so every open session ends with it.
    forget_roles(user)


# --- Demo accounts --------------------------------------------------------------------------

DEMO_ACCOUNTS = (
    ("student", "student@demo.vignette.local", (Role.STUDENT,)),
    ("author", "author@demo.vignette.local", (Role.STUDENT, Role.AUTHOR)),
    ("editor", "editor@demo.vignette.local", (Role.STUDENT, Role.AUTHOR, Role.EDITOR)),
    ("admin", "admin@demo.vignette.local", (Role.STUDENT, Role.ADMIN)),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    roles: tuple[str, ...]
    password: str | None  # None: the account existed and kept its password


def demo_password_make() -> str:
    return "-".join(secrets.token_urlsafe(4) for _ in range(3))


@transaction.atomic
def demo_accounts_ensure(*, new_passwords: bool) -> list[DemoAccount]:
    """Create the demo accounts that are missing; give all of them new passwords if asked."""
    accounts = []
    for username, email, roles in DEMO_ACCOUNTS:
        user = User.objects.filter(username=username).first()
        password = None
        if user is None:
            password = demo_password_make()
            user = user_create(username=username, email=email, password=password, roles=roles)
        elif new_passwords:
            password = demo_password_make()
            user.set_password(password)
            user.save(update_fields=["password"])
        accounts.append(
            DemoAccount(username=username, roles=tuple(r.value for r in roles), password=password)
        )
    return accounts
