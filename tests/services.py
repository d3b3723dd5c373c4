"""What to do when a test's outside service is missing: fail in CI, skip elsewhere."""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def need(available: bool, what: str) -> None:
    """Stop the test unless `available`; under CI=true a missing service is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI needs {what}, and it is not available.")
    pytest.skip(f"needs {what}")
