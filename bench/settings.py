"""Benchmark settings: the test settings, with a URLconf that adds the bench-only views."""

from config.settings_test import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
