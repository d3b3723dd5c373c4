"""Idempotency-Key for API writes that create or end something (DESIGN: rules everywhere).

The same key with the same request returns the stored answer; with another request, 422;
while the first is still running, 409. Keys are kept for 24 hours.
"""

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from apps.core.errors import Conflict, InvalidInput, VignetteError
from apps.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
KEEP = timedelta(hours=24)

PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH},
    location=OpenApiParameter.HEADER,
    required=False,
    # Printable ASCII, not only spaces: what `idempotent` accepts, less the Latin-1 it tolerates.
    pattern=r"^[ -~]*[!-~][ -~]*$",
    description="A unique value per intended action (e.g. a UUID), of 1 to 255 printable "
    "characters. Sending the same request again with the same key returns the first answer "
    "instead of acting twice.",
)


class KeyReused(VignetteError):
    code = "idempotency_key_reused"
    status = 422
    message = "This Idempotency-Key was used with a different request."


def _fingerprint(request) -> str:
    """A digest of what the request asks: its method, path and whole body. A JSON body is
    hashed as canonical JSON, whatever its type; a form's fields each with their name, and an
    upload with its file name and bytes, each part delimited so that no two bodies join alike."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    data = request.data
    if not hasattr(data, "lists"):  # JSON: an object, a list, a scalar or null
        digest.update(json.dumps(data, sort_keys=True, default=str).encode())
        return digest.hexdigest()
    for name, values in sorted(data.lists(), key=lambda item: item[0]):
        digest.update(f"\n{json.dumps(name)}:{len(values)}".encode())
        for value in values:
            if isinstance(value, UploadedFile):
                digest.update(f"\nfile {json.dumps(value.name)} {value.size}\n".encode())
                for chunk in value.chunks():
                    digest.update(chunk)
                value.seek(0)
            else:
                digest.update(f"\n{json.dumps(value, default=str)}".encode())
    return digest.hexdigest()


def _claim(request, key: str, fingerprint: str) -> IdempotencyKey | Response:
    """The new record to complete, or the answer to give instead of running the view."""
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=request.user, key=key, fingerprint=fingerprint
            )
    except IntegrityError:
        record = IdempotencyKey.objects.get(user=request.user, key=key)
    if record.fingerprint != fingerprint:
        raise KeyReused
    if record.status_code is None:
        raise Conflict("A request with this Idempotency-Key is still being processed.")
    return Response(record.body, status=record.status_code)


def idempotent(method):
    """Decorate an APIView method; requests without the header run as usual."""

    @wraps(method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return method(view, request, *args, **kwargs)
        if not key.strip() or len(key) > MAX_LENGTH or not key.isprintable():
            raise InvalidInput(fields={HEADER: [f"Use 1 to {MAX_LENGTH} printable characters."]})
        claimed = _claim(request, key, _fingerprint(request))
        if isinstance(claimed, Response):
            return claimed
        try:
            response = method(view, request, *args, **kwargs)
        except Exception:
            claimed.delete()  # a refused or failed request may be sent again with its key
            raise
        claimed.status_code, claimed.body = response.status_code, response.data
        claimed.save(update_fields=["status_code", "body"])
        return response

    return wrapper


def idempotency_keys_purge() -> int:
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return deleted
