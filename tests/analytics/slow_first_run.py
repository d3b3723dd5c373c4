"""Loaded only into a test's own Celery worker (`--include`): the first run of each report
recompute writes the pid of the process running it and waits, so that the test can kill that
process, or the whole worker, while the task is running. Later runs go straight on."""

import os
import time
from pathlib import Path

from celery.signals import task_prerun

WAIT_SECONDS = 120


@task_prerun.connect
def wait_on_first_run(task_id=None, task=None, **kwargs):
    folder = os.environ.get("VIGNETTE_TEST_RUN_MARKERS")
    if not folder or task.name != "analytics.report_recompute":
        return
    marker = Path(folder) / f"started-{task_id}"
    if marker.exists():
        return
    marker.write_text(str(os.getpid()))
    time.sleep(WAIT_SECONDS)
