"""The OpenAPI schema: every operation documents the error shape; a snapshot guards changes.

After an intended API change, refresh the snapshot with `make schema-snapshot` and review the diff.
"""

import json
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.core.schema import BODY_ERROR_STATUSES, ERROR_STATUSES

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


def test_schema_operations_with_a_body_document_an_unreadable_body():
    documented = {
        name: "415" in operation["responses"] for name, operation in _operations(_schema())
    }

    assert list(BODY_ERROR_STATUSES) == ["415"]
    assert documented == {name: name.split()[0] in {"POST", "PUT", "PATCH"} for name in documented}


def test_schema_every_operation_lives_under_api_v1():
    assert [path for path in _schema()["paths"] if not path.startswith("/api/v1/")] == []


def test_schema_matches_snapshot():
    assert _schema() == json.loads(SNAPSHOT.read_text())


def test_schema_endpoint_is_served(client):
    response = client.get("/api/v1/schema/?format=json")

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Vignette API"


def _component(schema: dict, reference: dict) -> dict:
    return schema["components"]["schemas"][reference["$ref"].rsplit("/", 1)[-1]]


@pytest.mark.parametrize(
    ("path", "item"),
    [
        ("/api/v1/blocks/", "BlockSummary"),
        ("/api/v1/questions/", "QuestionSummary"),
        ("/api/v1/reports/", "ReportOutput"),
        ("/api/v1/users/", "UserOutput"),
    ],
)
def test_schema_list_operations_document_pages_of_items(path, item):
    """These views answer a page (count, next, previous, results), not one item."""
    schema = _schema()
    operation = schema["paths"][path]["get"]

    page = _component(
        schema, operation["responses"]["200"]["content"]["application/json"]["schema"]
    )

    assert page["required"] == ["count", "results"]
    assert page["properties"]["results"]["items"] == {"$ref": f"#/components/schemas/{item}"}
    assert {"page", "page_size"} <= {parameter["name"] for parameter in operation["parameters"]}


def test_schema_states_the_list_limits_and_refuses_a_null_change_value():
    components = _schema()["components"]["schemas"]

    changes = components["ChangesInputRequest"]["properties"]["changes"]
    options = components["ItemContentRequest"]["properties"]["options"]
    value = components["ChangeInputRequest"]["properties"]["value"]

    assert (changes["minItems"], changes["maxItems"]) == (1, 500)
    assert (options["minItems"], options["maxItems"]) == (2, 10)
    assert "nullable" not in value
    assert [kind.get("type") for kind in value["anyOf"]] == [
        "string",
        "number",
        "boolean",
        "array",
        "object",
    ]


def test_schema_export_documents_each_format_file_type():
    content = _schema()["paths"]["/api/v1/exports/"]["get"]["responses"]["200"]["content"]

    assert sorted(content) == ["application/json", "application/xml", "application/zip", "text/csv"]


def test_schema_links_each_created_object_to_the_operations_on_it():
    links = {
        operation["operationId"]: sorted(operation["responses"]["201"]["links"])
        for _, operation in _operations(_schema())
        if "links" in operation["responses"].get("201", {})
    }

    assert links == {
        "blocks_create": [
            "blocks_changes",
            "blocks_delete",
            "blocks_end",
            "blocks_resume",
            "blocks_retrieve",
            "blocks_suspend",
        ],
        "imports_create": ["imports_confirm", "imports_retrieve"],
        "questions_create": [
            "questions_comment",
            "questions_diff",
            "questions_publish",
            "questions_report",
            "questions_retire",
            "questions_retrieve",
            "questions_return",
            "questions_submit",
            "questions_update",
            "questions_versions_list",
        ],
        "tokens_create": ["tokens_revoke"],
    }
    retrieve = _schema()["paths"]["/api/v1/blocks/"]["post"]["responses"]["201"]["links"]
    assert retrieve["blocks_retrieve"] == {
        "operationId": "blocks_retrieve",
        "parameters": {"public_id": "$response.body#/public_id"},
    }
