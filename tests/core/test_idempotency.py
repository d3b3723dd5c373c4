import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from apps.core.idempotency import idempotency_keys_purge
from apps.core.models import IdempotencyKey
from apps.questions.formats import native
from apps.questions.models import ImportJob
from tests.questions.conftest import make_draft

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def _upload(client, key, content=None, **headers):
    content = content or native.render([make_draft(uid=str(uuid.UUID(int=1)))]).data
    return client.post(
        reverse("imports"),
        {"file": SimpleUploadedFile("bank.json", content)},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY=key,
        **headers,
    )


def test_same_key_and_request_returns_the_first_answer(api_as, author):
    client = api_as(author)

    first = _upload(client, "k-1")
    again = _upload(client, "k-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert ImportJob.objects.count() == 1


def test_same_key_with_another_request_is_422_and_changes_nothing(api_as, author):
    client = api_as(author)
    _upload(client, "k-1")

    other = _upload(
        client, "k-1", content=native.render([make_draft(uid=str(uuid.UUID(int=2)))]).data
    )

    assert other.status_code == 422
    assert other.json() == {
        "error": {
            "code": "idempotency_key_reused",
            "message": "This Idempotency-Key was used with a different request.",
            "fields": {},
        }
    }
    assert ImportJob.objects.count() == 1


def test_key_still_in_flight_is_409(api_as, author):
    client = api_as(author)
    request = native.render([make_draft(uid=str(uuid.UUID(int=1)))]).data
    first = _upload(client, "k-1", content=request)
    IdempotencyKey.objects.filter(key="k-1").update(status_code=None, body=None)

    response = _upload(client, "k-1", content=request)

    assert first.status_code == 201
    assert response.status_code == 409
    assert response.json()["error"]["message"] == (
        "A request with this Idempotency-Key is still being processed."
    )


def test_keys_are_per_user(api_as, author, editor):
    first = _upload(api_as(author), "k-1")
    second = _upload(api_as(editor), "k-1")

    assert first.json()["public_id"] != second.json()["public_id"]
    assert ImportJob.objects.count() == 2


@pytest.mark.parametrize(
    "key", ["", " ", "x" * 256, "bad\nkey"], ids=["empty", "blank", "long", "newline"]
)
def test_bad_keys_are_refused_and_change_nothing(api_as, author, key):
    response = _upload(api_as(author), key)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "Idempotency-Key": ["Use 1 to 255 printable characters."]
    }
    assert ImportJob.objects.count() == 0


def _documented_key() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = schema["paths"]["/api/v1/imports/"]["post"]["parameters"]
    return next(p["schema"] for p in parameters if p["name"] == "Idempotency-Key")


DOCUMENTED = ["k", "k" * 255, str(uuid.UUID(int=42)), "  k  ", "!#$%&'*+-.^_`|~:/=?@[]{}\"\\"]
UNDOCUMENTED = ["", "   ", "k" * 256, "key\x7f", "key\x00", "key\r\nX-Evil: 1", "key\t"]


@pytest.mark.parametrize("key", DOCUMENTED + UNDOCUMENTED)
def test_the_documented_key_is_one_the_api_accepts(api_as, author, key):
    """The schema's Idempotency-Key (length and pattern) admits no key the API refuses; it
    leaves out only the Latin-1 letters the API tolerates."""
    documented = _documented_key()

    response = _upload(api_as(author), key)

    follows = documented["minLength"] <= len(key) <= documented["maxLength"]
    follows = follows and re.fullmatch(documented["pattern"], key) is not None
    assert follows == (key in DOCUMENTED)
    assert response.status_code == (201 if follows else 400)


def test_a_refused_request_can_be_sent_again_with_its_key(api_as, author):
    client = api_as(author)

    refused = _upload(client, "k-1", content=b"?")
    accepted = _upload(client, "k-1")

    assert refused.status_code == 400
    assert accepted.status_code == 201


def test_keys_are_purged_after_a_day(api_as, author):
    _upload(api_as(author), "k-1")

    with time_machine.travel(timedelta(hours=25)):
        purged = idempotency_keys_purge()

    assert purged == 1
    assert IdempotencyKey.objects.count() == 0
