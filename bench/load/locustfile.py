"""Simulated students for `make load`, one class per scenario (named on Locust's command line):

- Student ("steady"): keeps one exam block open and saves one change every 10 ± 3 seconds, as a
  student answering, marking and striking out would, about three times the pace of the exam.
- FinishingStudent ("deadline"): the same, every 2 to 4 seconds, through its block's deadline
  and grace period and beyond, as a class does when its time runs out together.
- StartingStudent ("start"): creates a 40-item block the moment it starts, as a class does when
  a mock exam begins, then waits.

Read from the environment: LOAD_TARGETS (the prepared students), LOAD_HOSTS (the web processes,
comma-separated; requests alternate between them) and LOAD_LOG (where every change sent and its
answer are written at the end, for the checker).
"""

import itertools
import json
import os
import random
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import gevent
from locust import HttpUser, between, constant, events, task

TARGETS = iter(json.loads(Path(os.environ["LOAD_TARGETS"]).read_text()))
HOSTS = os.environ["LOAD_HOSTS"].split(",")
SENT: list[dict] = []
# Every item has at least four options.
FIELDS = (("answer", "ABCD"), ("marked", (True, False)), ("struck", (["A"], ["B", "C"], [])))
REQUEST_TIMEOUT = 30
# Seconds between attempts at one change, as the exam page's outbox waits: from half a second,
# doubling, to every 30 s (for about 10 minutes in all).
RETRY_PAUSES = (0.5, 1, 2, 4, 8, 16, *([30] * 20))


class Student(HttpUser):
    wait_time = between(7, 13)
    host = HOSTS[0]

    def on_start(self):
        self.target = next(TARGETS)
        self.hosts = itertools.cycle(HOSTS)
        self.rng = random.Random(self.target["block"])

    @task
    def save_one_change(self):
        """One change, sent again with the same id until the server answers it, as the exam
        page's outbox does: a server error or no answer is retried, never given up on."""
        field, values = self.rng.choice(FIELDS)
        now = datetime.now(UTC).isoformat()
        change = {
            "id": str(uuid.uuid4()),
            "position": self.rng.randint(1, self.target["items"]),
            "field": field,
            "value": self.rng.choice(values),
            "client_time": now,
        }
        entry = {"block": self.target["block"], "id": change["id"], "status": 0, "failures": []}
        SENT.append(entry)  # before sending: a run that ends mid-retry still counts it
        for pause in RETRY_PAUSES:
            entry["status"] = self._send(change)
            entry["at"] = time.time()
            if not _retryable(entry["status"]):
                return
            entry["failures"].append(entry["at"])
            gevent.sleep(pause)

    def _send(self, change: dict) -> int:
        url = f"{next(self.hosts)}/api/v1/blocks/{self.target['block']}/changes/"
        with self.client.post(
            url,
            json={"client_now": datetime.now(UTC).isoformat(), "changes": [change]},
            headers={"Authorization": f"Bearer {self.target['token']}"},
            name="/api/v1/blocks/[id]/changes/",
            timeout=REQUEST_TIMEOUT,
            catch_response=True,
        ) as response:
            status = response.status_code or 0
            if status == 409 and self.environment.parsed_options.expect_closed:
                response.success()  # the block's time is up: refused, as it should be
            elif status >= 400 or status == 0:
                response.failure(f"status {status}")
            return status


def _retryable(status: int) -> bool:
    return status == 0 or status >= 500


class FinishingStudent(Student):
    wait_time = between(2, 4)


class StartingStudent(HttpUser):
    wait_time = constant(3600)
    host = HOSTS[0]

    def on_start(self):
        target = next(TARGETS)
        with self.client.post(
            f"{HOSTS[len(SENT) % len(HOSTS)]}/api/v1/blocks/",
            json={"count": 40, "pools": ["all"]},
            headers={
                "Authorization": f"Bearer {target['token']}",
                "Idempotency-Key": str(uuid.uuid4()),
            },
            name="/api/v1/blocks/",
            catch_response=True,
        ) as response:
            status = response.status_code
            block = response.json().get("public_id", "") if status == 201 else ""
            SENT.append({"student": target["student"], "block": block, "status": status})
            if status != 201:
                response.failure(f"status {status}")

    @task
    def wait(self):
        """Nothing more: the class is now answering (the steady scenario measures that)."""


@events.init_command_line_parser.add_listener
def closed_blocks_expected(parser):
    parser.add_argument(
        "--expect-closed", action="store_true", help="409 (time is up) is an answer, not a fault"
    )


@events.test_stop.add_listener
def write_log(**_):
    Path(os.environ["LOAD_LOG"]).write_text("".join(json.dumps(entry) + "\n" for entry in SENT))
