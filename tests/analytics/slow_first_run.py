"""Loaded only into a test's own Celery worker (`--include`): the first run of each report
recompute writes the pid of the process running it and holds until the test releases it (a
`release-<task id>` file) or kills that process, or the whole worker. Later runs go straight on."""

import os
import threading
import time
from pathlib import Path

from celery.signals import task_prerun

HOLD_SECONDS = 120
POLL_SECONDS = 0.05
_never_set = threading.Event()  # waiting on it pauses between polls without sleeping


@task_prerun.connect
def hold_first_run(task_id=None, task=None, **kwargs):
    folder = os.environ.get("VIGNETTE_TEST_RUN_MARKERS")
    if not folder or task.name != "analytics.report_recompute":
        return
    marker = Path(folder) / f"started-{task_id}"
    if marker.exists():
        return
    marker.write_text(str(os.getpid()))
    release = Path(folder) / f"release-{task_id}"
    deadline = time.monotonic() + HOLD_SECONDS
    while not release.exists() and time.monotonic() < deadline:
        _never_set.wait(POLL_SECONDS)
