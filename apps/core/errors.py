"""Domain errors: services raise these, the API and pages turn them into responses."""


class VignetteError(Exception):
    """A refused action. `code` is stable and machine-readable; `message` is for people."""

    code = "error"
    status = 400
    message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None):
        self.message = message or self.message
        self.fields = fields or {}
        super().__init__(self.message)


class InvalidInput(VignetteError):
    code = "invalid"
    status = 400
    message = "Some of the input is not valid."


class NotFound(VignetteError):
    code = "not_found"
    status = 404
    message = "Not found."


class Conflict(VignetteError):
    code = "conflict"
    status = 409
    message = "This conflicts with the current state."


class PermissionDenied(VignetteError):
    code = "permission_denied"
    status = 403
    message = "You may not do this."
