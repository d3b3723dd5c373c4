"""Browser tests: Playwright driving Debian's Chromium; no browser is ever downloaded."""

import os
from pathlib import Path

import pytest

from tests.blocks.conftest import publish
from tests.services import need

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from
# such a thread unless told otherwise. Only browser tests set this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("VIGNETTE_CHROMIUM", "/usr/bin/chromium")

# Chromium looks up Google's hosts at start; answer every name but our own with "not found".
HOST_RULES = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(item.fspath).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    need(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": [HOST_RULES]}


@pytest.fixture
def bank(editor, taxonomy):
    """Four questions whose key is A (see make_draft)."""
    return [publish(editor, stem=f"Case {n}: a 58-year-old man has chest pain.") for n in range(4)]
