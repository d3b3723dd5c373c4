"""Benchmark settings: the test settings, with a URLconf that adds the bench-only views."""

from config.settings_test import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# The bench-only pages' templates (bench/templates/bench/).
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]}]  # noqa: F405
