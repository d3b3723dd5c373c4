"""The OpenAPI schema: every operation documents the error shape; a snapshot guards changes.

After an intended API change, refresh the snapshot with `make schema-snapshot` and review the diff.
"""

import json
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.core.schema import ERROR_STATUSES

pytestmark = [pytest.mark.integration]

SNAPSHOT = Path(__file__).parent.parent / "snapshots" / "openapi.json"
ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _schema() -> dict:
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_schema_every_operation_documents_every_error_response():
    schema = _schema()

    missing = [
        (name, status)
        for name, operation in _operations(schema)
        for status in ERROR_STATUSES
        if operation["responses"].get(status, {}).get("content", {}).get("application/json", {})
        != {"schema": ERROR_REF}
    ]

    assert len(list(_operations(schema))) > 0
    assert missing == []
    assert schema["components"]["schemas"]["Error"]["required"] == ["error"]


def test_schema_every_operation_lives_under_api_v1():
    assert [path for path in _schema()["paths"] if not path.startswith("/api/v1/")] == []


def test_schema_matches_snapshot():
    assert _schema() == json.loads(SNAPSHOT.read_text())


def test_schema_endpoint_is_served(client):
    response = client.get("/api/v1/schema/?format=json")

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Vignette API"
