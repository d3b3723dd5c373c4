"""OpenAPI: one `Error` component, documented on every operation's error responses."""

ERROR_STATUSES = {
    "400": "The input is not valid; `fields` names each bad field.",
    "401": "No valid credentials were given.",
    "403": "The credentials do not allow this.",
    "404": "Not found, or not yours.",
    "409": "The request conflicts with the current state.",
    "422": "The Idempotency-Key was already used with another body.",
    "429": "Too many requests; retry after the Retry-After header's seconds.",
}

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
            for status, description in ERROR_STATUSES.items():
                responses[status] = {
                    "description": description,
                    "content": {"application/json": {"schema": reference}},
                }
    return result
