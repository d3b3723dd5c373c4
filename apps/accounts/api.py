import math
from datetime import timedelta

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate, login
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import selectors, services
from apps.accounts.permissions import IsAdmin, user_roles
from apps.accounts.serializers import (
    MeOutputSerializer,
    RolesInputSerializer,
    RolesOutputSerializer,
    SessionCreateInputSerializer,
    SessionCreateOutputSerializer,
    TokenCreateInputSerializer,
    TokenCreateOutputSerializer,
    TokenOutputSerializer,
    UserOutputSerializer,
)
from apps.core.errors import InvalidInput, NotFound


class CredentialsWrong(InvalidInput):
    # The same answer for an unknown user, a wrong password and an inactive or deleted account,
    # so that the answer does not tell which accounts exist.
    code = "invalid_credentials"
    message = "Your username or password is not right."


def _duration(delta: timedelta) -> str:
    minutes = max(1, math.ceil(delta.total_seconds() / 60))
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class LockedOut(exceptions.APIException):
    """django-axes refused the login. An APIException, not a domain error, for its Retry-After."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, *, cool_off: timedelta | None):
        paused = "Too many failed logins: logging in to this account from your address is paused"
        if cool_off is None:
            message = f"{paused} until an admin lifts the lock."
        else:
            # Axes counts every attempt during a lockout as a failure (its default
            # AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so the pause starts again now.
            message = f"{paused}. Try again in {_duration(cool_off)}."
        # The project's exception handler turns `wait` into the Retry-After header.
        self.wait = cool_off.total_seconds() if cool_off else None
        super().__init__(message, code=self.default_code)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_retrieve", responses={200: MeOutputSerializer}, tags=["accounts"]
    )
    def get(self, request):
        user = request.user
        data = {
            "public_id": user.public_id,
            "username": user.username,
            "email": user.email,
            "roles": sorted(user_roles(user)),
        }
        return Response(MeOutputSerializer(data).data)


# DRF exempts its views from Django's CSRF check and checks only requests that a session has
# already authenticated; a login comes without one and is the classic login-CSRF target (another
# site logs the browser in to an account of its choosing). So Django's check runs here for every
# request, as it does on the login page; a failure answers through CSRF_FAILURE_VIEW, in JSON.
@method_decorator(csrf_protect, name="dispatch")
class SessionCreateApi(APIView):
    """Log in with a browser session, as the login page does, without leaving the page."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="session_create",
        summary="Log in with a browser session",
        description=(
            "For a page whose session has expired: logs in exactly as the login page does and "
            "sets the session cookie. Needs the `csrftoken` cookie and the same token in the "
            "`X-CSRFToken` header (403 `csrf_failed` otherwise). Logging in replaces the CSRF "
            "token; the answer carries the new one. Wrong credentials, and inactive or deleted "
            "accounts, answer 400 `invalid_credentials`. After too many failures the account is "
            "locked for this address: 429 `locked_out` with Retry-After, even for the right "
            "password."
        ),
        request=SessionCreateInputSerializer,
        responses={200: SessionCreateOutputSerializer},
        tags=["accounts"],
    )
    def post(self, request):
        data = SessionCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Through authenticate(request=...), so that django-axes counts failures and locks out.
        # The DRF request carries axes' marks, so AxesMiddleware (which looks at Django's
        # request) leaves this JSON answer alone instead of rendering its HTML lockout page.
        user = authenticate(
            request=request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(cool_off=get_cool_off(request))
            raise CredentialsWrong()
        login(request, user)
        # login() rotated the token; this is the new one, matching the cookie set on the answer.
        body = {"username": user.get_username(), "csrf_token": get_token(request)}
        return Response(SessionCreateOutputSerializer(body).data)


class TokenListCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tokens_list",
        responses={200: TokenOutputSerializer(many=True)},
        tags=["accounts"],
    )
    def get(self, request):
        tokens = selectors.api_tokens_for_user(user=request.user)
        return Response(TokenOutputSerializer(tokens, many=True).data)

    @extend_schema(
        operation_id="tokens_create",
        request=TokenCreateInputSerializer,
        responses={201: TokenCreateOutputSerializer},
        tags=["accounts"],
    )
    def post(self, request):
        data = TokenCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, secret = services.api_token_create(
            user=request.user, name=data.validated_data["name"]
        )
        token.token = secret
        return Response(TokenCreateOutputSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenRevokeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="tokens_revoke", responses={204: None}, tags=["accounts"])
    def delete(self, request, public_id):
        services.api_token_revoke(user=request.user, public_id=public_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserListApi(GenericAPIView):
    permission_classes = [IsAuthenticated, IsAdmin]
    serializer_class = UserOutputSerializer

    @extend_schema(
        operation_id="users_list",
        responses={200: UserOutputSerializer(many=True)},
        tags=["admin"],
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.user_list())
        return self.get_paginated_response(UserOutputSerializer(page, many=True).data)


class UserRolesApi(APIView):
    permission_classes = [IsAuthenticated, IsAdmin]

    @extend_schema(
        operation_id="users_roles_update",
        request=RolesInputSerializer,
        responses={200: RolesOutputSerializer},
        tags=["admin"],
    )
    def put(self, request, public_id):
        data = RolesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = selectors.user_by_public_id(public_id=public_id)
        if user is None:
            raise NotFound("No such user.")
        roles = services.roles_set(
            user=user, roles=data.validated_data["roles"], granted_by=request.user
        )
        return Response(RolesOutputSerializer({"roles": sorted(roles)}).data)
