"""API plumbing shared by every app: the error shape, pagination, JSON for Django's errors."""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from apps.core.errors import VignetteError

logger = logging.getLogger(__name__)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _field_messages(detail) -> dict[str, list[str]]:
    """Flatten DRF's nested validation detail into `{"field.sub": ["message", ...]}`."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                # A list's own errors belong to the list's field, not to a "non_field_errors" child.
                own = key == "non_field_errors" and prefix
                walk(prefix if own else f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
            for index, sub in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else str(index), sub)
        else:
            messages = value if isinstance(value, list) else [value]
            flat.setdefault(prefix or "non_field_errors", []).extend(str(m) for m in messages)

    walk("", detail)
    return flat


def exception_handler(exc, context) -> Response | None:
    """Render every API error as `{"error": {"code", "message", "fields"}}`."""
    if isinstance(exc, VignetteError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail=detail)
    if not isinstance(exc, exceptions.APIException):
        return None

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    set_rollback()

    # DRF's own codes: parse_error, not_authenticated, authentication_failed, throttled, …
    code = getattr(exc.detail, "code", None) or exc.default_code
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("invalid", "Some of the input is not valid.", _field_messages(exc.detail))
    elif isinstance(exc, exceptions.ParseError):
        # The body as a whole is at fault: named as DRF names a body that is not an object.
        message = str(exc.detail)
        body = error_body(code, message, {api_settings.NON_FIELD_ERRORS_KEY: [message]})
    else:
        body = error_body(code, str(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def json_not_found(request, exception=None) -> JsonResponse:
    return JsonResponse(
        error_body("not_found", "There is no API endpoint at this address."),
        status=status.HTTP_404_NOT_FOUND,
    )


def json_server_error(request) -> JsonResponse:
    return JsonResponse(
        error_body("server_error", "Something went wrong on the server. It has been logged."),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
