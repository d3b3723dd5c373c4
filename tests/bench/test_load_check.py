import json
import uuid
from datetime import UTC, datetime

import pytest

from apps.blocks.services import BlockSpec, block_create, changes_apply
from bench.load.check import check_changes, check_deadlines, check_starts
from tests.blocks.conftest import change, publish

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def block(student, editor):
    """An open three-item block of the student's."""
    for n in range(3):
        publish(editor, stem=f"Case {n}.")
    return block_create(user=student, spec=BlockSpec(count=3, pools=("all",)))


BEFORE = datetime(2000, 1, 1, tzinfo=UTC)
STATS_HEADER = "Type,Name,Request Count,Failure Count,50%,95%,99%,Requests/s"


def _stats(tmp_path):
    path = tmp_path / "locust_stats.csv"
    path.write_text(
        f"{STATS_HEADER}\nPOST,/api/v1/blocks/[id]/changes/,3,0,12,30,41,9.5\n"
        f",Aggregated,3,0,12,30,41,9.5\n"
    )
    return path


def test_load_check_counts_lost_refused_failed_and_unexpected_changes(tmp_path, student, block):
    saved, silent = uuid.uuid4(), uuid.uuid4()
    changes_apply(
        user=student,
        public_id=block.public_id,
        changes=[
            change(1, "marked", True, change_id=saved),
            change(2, "marked", True, change_id=silent),
        ],
        client_now=datetime.now(UTC),
    )
    blockid = str(block.public_id)
    sent = [
        {"block": blockid, "id": str(saved), "status": 200},
        {"block": blockid, "id": str(uuid.uuid4()), "status": 200},  # acknowledged, not logged
        {"block": blockid, "id": str(uuid.uuid4()), "status": 409},
        {"block": blockid, "id": str(uuid.uuid4()), "status": 502},
        {"block": blockid, "id": str(uuid.uuid4()), "status": 0},
    ]
    log = tmp_path / "sent.jsonl"
    log.write_text("".join(json.dumps(entry) + "\n" for entry in sent))

    result = check_changes(log, _stats(tmp_path), since=BEFORE)

    assert (result.sent, result.acknowledged, result.refused) == (5, 2, 1)
    assert (result.server_errors, result.lost, result.duplicated) == (2, 1, 0)
    assert result.unexpected == 1  # `silent` is in the log but was never sent
    assert (result.p50_ms, result.p95_ms, result.p99_ms, result.requests_per_second) == (
        12,
        30,
        41,
        9.5,
    )
    assert result.held is False


def test_load_check_holds_when_every_acknowledged_change_is_logged_once(tmp_path, student, block):
    ids = [uuid.uuid4(), uuid.uuid4()]
    changes_apply(
        user=student,
        public_id=block.public_id,
        changes=[
            change(1, "answer", "A", change_id=ids[0]),
            change(2, "marked", True, change_id=ids[1]),
        ],
        client_now=datetime.now(UTC),
    )
    log = tmp_path / "sent.jsonl"
    log.write_text(
        "".join(
            json.dumps({"block": str(block.public_id), "id": str(i), "status": 200}) + "\n"
            for i in ids
        )
    )

    result = check_changes(log, _stats(tmp_path), since=BEFORE)

    assert (result.sent, result.acknowledged, result.lost, result.unexpected) == (2, 2, 0, 0)
    assert result.held is True


def test_load_check_of_starts_finds_lost_and_second_blocks(tmp_path, student, other_student, block):
    second = block_create(user=student, spec=BlockSpec(count=3, pools=("all",)))
    sent = [
        {"student": student.username, "block": str(block.public_id), "status": 201},
        {"student": other_student.username, "block": str(uuid.uuid4()), "status": 201},
        {"student": other_student.username, "block": "", "status": 503},
    ]
    log = tmp_path / "sent.jsonl"
    log.write_text("".join(json.dumps(entry) + "\n" for entry in sent))

    result = check_starts(log, _stats(tmp_path), since=BEFORE)

    assert (result.sent, result.acknowledged, result.server_errors) == (3, 2, 1)
    assert result.lost == 1  # other_student's acknowledged block is not stored
    assert result.duplicated == 1  # student has two blocks
    assert result.unexpected == 1  # `second` was never acknowledged
    assert second.user == student
    assert result.held is False


def test_load_check_of_deadlines_wants_blocks_ended_and_reports_recomputed(
    tmp_path, student, block
):
    kept = uuid.uuid4()
    changes_apply(
        user=student,
        public_id=block.public_id,
        changes=[change(1, "marked", True, change_id=kept)],
        client_now=datetime.now(UTC),
    )
    sent = [
        {"block": str(block.public_id), "id": str(kept), "status": 200},
        {"block": str(block.public_id), "id": str(uuid.uuid4()), "status": 409},
    ]
    log = tmp_path / "sent.jsonl"
    log.write_text("".join(json.dumps(entry) + "\n" for entry in sent))

    result = check_deadlines(log, _stats(tmp_path), since=BEFORE)

    assert (result.acknowledged, result.refused, result.lost, result.unexpected) == (1, 1, 0, 0)
    assert result.server_errors == 0
    assert result.unfinished == 2  # the block is still open, and no report was recomputed
    assert result.held is False
