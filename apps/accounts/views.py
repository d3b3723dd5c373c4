from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.accounts import selectors, services
from apps.accounts.forms import (
    AccountDeleteForm,
    InviteForm,
    RolesForm,
    SignUpForm,
    TokenCreateForm,
)
from apps.accounts.models import Role, User
from apps.accounts.permissions import role_required
from apps.core.access import login_required, public
from apps.core.errors import NotFound, VignetteError
from apps.core.forms import form_add_error


@public
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    invite_token = request.POST.get("invite") or request.GET.get("invite", "")
    invite = None
    if invite_token:
        try:
            invite = services.invite_for_token(invite_token)
        except NotFound as exc:
            return render(
                request, "accounts/signup_closed.html", {"reason": exc.message}, status=404
            )
    if settings.VIGNETTE_SIGNUP == "invite" and invite is None:
        return render(request, "accounts/signup_closed.html", {"reason": None}, status=403)

    form = SignUpForm(
        request.POST or None,
        initial={"invite": invite_token, "email": getattr(invite, "email", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_sign_up(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                invite_token=form.cleaned_data["invite"],
            )
        except VignetteError as exc:
            form_add_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to Vignette, {user.username}.")
            return redirect("home")
    status = 400 if form.errors else 200
    return render(request, "accounts/signup.html", {"form": form, "invite": invite}, status=status)


@login_required
def account_settings(request):
    tokens = selectors.api_tokens_for_user(user=request.user)
    new_token = request.session.pop("new_api_token", None)
    form = TokenCreateForm()
    return render(
        request,
        "accounts/settings.html",
        {"tokens": tokens, "token_form": form, "new_token": new_token},
    )


@login_required
@require_POST
def token_create(request):
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, secret = services.api_token_create(
                user=request.user, name=form.cleaned_data["name"]
            )
        except VignetteError as exc:
            form_add_error(form, exc)
        else:
            # Shown once, on the next page, then gone from the session.
            request.session["new_api_token"] = {"name": token.name, "secret": secret}
            return redirect("accounts:settings")
    tokens = selectors.api_tokens_for_user(user=request.user)
    return render(
        request, "accounts/settings.html", {"tokens": tokens, "token_form": form}, status=400
    )


@login_required
@require_POST
def token_revoke(request, public_id):
    try:
        services.api_token_revoke(user=request.user, public_id=public_id)
    except NotFound:
        messages.error(request, "That token does not exist (it may have been revoked already).")
    else:
        messages.success(request, "The token is revoked; clients using it are refused from now on.")
    return redirect("accounts:settings")


@login_required
def account_delete(request):
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_delete(user=request.user, password=form.cleaned_data["password"])
        except VignetteError as exc:
            form_add_error(form, exc)
        else:
            logout(request)
            messages.success(request, "Your account is deleted.")
            return redirect("home")
    status = 400 if form.errors else 200
    return render(request, "accounts/delete.html", {"form": form}, status=status)


@role_required(Role.ADMIN)
def people(request):
    users = selectors.user_list()
    rows = [
        (user, RolesForm(initial={"roles": selectors.roles_of(user)}, prefix=str(user.public_id)))
        for user in users
    ]
    return render(request, "accounts/people.html", {"rows": rows, "roles": Role.choices})


@role_required(Role.ADMIN)
@require_POST
def people_roles(request, public_id):
    user = get_object_or_404(User, public_id=public_id, deleted_at__isnull=True)
    form = RolesForm(request.POST, prefix=str(user.public_id))
    if not form.is_valid():
        messages.error(request, "Choose roles from the list.")
        return redirect("accounts:people")
    try:
        roles = services.roles_set(
            user=user, roles=form.cleaned_data["roles"], granted_by=request.user
        )
    except VignetteError as exc:
        messages.error(request, exc.message)
    else:
        names = ", ".join(Role(r).label.lower() for r in sorted(roles)) or "no roles"
        messages.success(request, f"{user.username} now has: {names}.")
    return redirect("accounts:people")


@role_required(Role.ADMIN)
def invites(request):
    form = InviteForm(request.POST or None)
    new_link = None
    if request.method == "POST" and form.is_valid():
        try:
            _, token = services.invite_create(
                created_by=request.user,
                email=form.cleaned_data["email"],
                roles=form.cleaned_data["roles"],
            )
        except VignetteError as exc:
            form_add_error(form, exc)
        else:
            new_link = request.build_absolute_uri(f"{reverse('accounts:signup')}?invite={token}")
            form = InviteForm()
    status = 400 if form.errors else 200
    return render(
        request,
        "accounts/invites.html",
        {"form": form, "invites": selectors.invites_open(), "new_link": new_link},
        status=status,
    )


@role_required(Role.ADMIN)
@require_POST
def invite_revoke(request, public_id):
    try:
        services.invite_revoke(public_id=public_id)
    except NotFound as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The invite link no longer works.")
    return redirect("accounts:invites")
