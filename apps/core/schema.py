"""OpenAPI: one `Error` component, documented on every operation's error responses; links from
each operation that creates an object to the operations on it."""

ERROR_STATUSES = {
    "400": "The input is not valid; `fields` names each bad field (`non_field_errors`: the body "
    "as a whole).",
    "401": "No valid credentials were given.",
    "403": "The credentials do not allow this.",
    "404": "Not found, or not yours.",
    "409": "The request conflicts with the current state.",
    "422": "The Idempotency-Key was already used with another body.",
    "429": "Too many requests; retry after the Retry-After header's seconds.",
}
# Only a request that can carry a body can send it in a type the operation does not read.
BODY_ERROR_STATUSES = {"415": "The body's Content-Type is missing or not one this operation reads."}
_BODY_METHODS = {"post", "put", "patch"}

ERROR_COMPONENT = {
    "type": "object",
    "description": "The shape of every error response.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable code."},
                "message": {"type": "string", "description": "A sentence for people."},
                "fields": {
                    "type": "object",
                    "description": "Messages per input field; empty when no field is at fault.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}

_HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_COMPONENT
    reference = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            statuses = ERROR_STATUSES | (BODY_ERROR_STATUSES if method in _BODY_METHODS else {})
            for status, description in statuses.items():
                responses[status] = {
                    "description": description,
                    "content": {"application/json": {"schema": reference}},
                }
    return result


def _component(result, schema: dict) -> dict:
    name = schema.get("$ref", "").removeprefix("#/components/schemas/")
    return result.get("components", {}).get("schemas", {}).get(name, schema)


def add_links(result, generator, request, public):
    """drf-spectacular postprocessing hook. A POST to a collection that answers 201 with the new
    object's `public_id` links to every operation under `<collection>{public_id}/`, so that a
    client (or a test) can follow the answer to the object."""
    paths = result.get("paths", {})
    for path, path_item in paths.items():
        created = path_item.get("post", {}).get("responses", {}).get("201", {})
        body = created.get("content", {}).get("application/json", {}).get("schema", {})
        if "public_id" not in _component(result, body).get("properties", {}):
            continue
        on_object = f"{path}{{public_id}}/"
        links = {
            operation["operationId"]: {
                "operationId": operation["operationId"],
                "parameters": {"public_id": "$response.body#/public_id"},
            }
            for other, other_item in paths.items()
            if other.startswith(on_object)
            for method, operation in other_item.items()
            if method in _HTTP_METHODS
        }
        if links:
            created["links"] = links
    return result
