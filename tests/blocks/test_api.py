import json
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from apps.blocks.models import Block, BlockItem, Change
from apps.questions.formats.base import OptionDraft
from apps.questions.models import Discipline, Exam, System
from tests.blocks.conftest import none_but, publish

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

SENTINEL = "SENTINEL-KEY-7f3a"


@pytest.fixture
def secret_bank(editor):
    """Questions whose explanations carry a sentinel, to prove they do not leak."""
    options = [
        OptionDraft(f"Option {letter}", f"{SENTINEL} why {letter}", letter == "C")
        for letter in "ABCD"
    ]
    return [
        publish(
            editor,
            stem=f"Case {n}.",
            options=options,
            explanation=f"{SENTINEL} explanation",
            objective=f"{SENTINEL} objective",
        )
        for n in range(5)
    ]


def _create(client, **body):
    return client.post(reverse("blocks"), {"count": 3, **body}, format="json")


def _changes(client, block_id, *changes, client_now="2026-11-25T10:00:00Z"):
    body = {
        "client_now": client_now,
        "changes": [
            {
                "id": str(uuid.uuid4()),
                "client_time": "2026-11-25T10:00:00Z",
                **change,
            }
            for change in changes
        ],
    }
    return client.post(reverse("block_changes", args=[block_id]), body, format="json")


def test_blocks_api_create_returns_the_whole_block_without_answers(api_as, student, secret_bank):
    response = _create(api_as(student))

    body = response.json()
    assert response.status_code == 201
    assert (body["status"], body["item_count"], body["seconds_left"]) == ("open", 3, 270)
    assert body["unanswered"] == [1, 2, 3]
    assert [item["position"] for item in body["items"]] == [1, 2, 3]
    assert body["items"][0]["review"] is None
    assert [o["letter"] for o in body["items"][0]["options"]] == ["A", "B", "C", "D"]
    assert SENTINEL not in json.dumps(body)
    assert '"key"' not in json.dumps(body)


def test_blocks_api_create_refuses_bad_input(api_as, student, secret_bank):
    response = _create(api_as(student), count=0, pools=["nope"], clock="fast")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"count", "pools.0", "clock"}
    assert Block.objects.count() == 0


def test_blocks_api_create_too_many_gives_the_available_number(api_as, student, secret_bank):
    response = _create(api_as(student), count=9)

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "Only 5 question(s) match these choices.",
        "fields": {"count": ["Only 5 question(s) match; ask for 5 or fewer."]},
    }


def test_blocks_api_create_honours_idempotency_key(api_as, student, secret_bank):
    client = api_as(student)

    first = client.post(reverse("blocks"), {"count": 2}, format="json", HTTP_IDEMPOTENCY_KEY="b1")
    again = client.post(reverse("blocks"), {"count": 2}, format="json", HTTP_IDEMPOTENCY_KEY="b1")

    assert again.json() == first.json()
    assert Block.objects.count() == 1


@pytest.mark.parametrize("action", ["block_suspend", "block_end"])
def test_blocks_api_suspend_and_end_honour_idempotency_key(api_as, student, secret_bank, action):
    client = api_as(student)
    block_id = _create(client, count=2).json()["public_id"]
    other_id = _create(client, count=2).json()["public_id"]
    url = reverse(action, args=[block_id])

    first = client.post(url, HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post(url, HTTP_IDEMPOTENCY_KEY="k1")
    without_key = client.post(url)
    elsewhere = client.post(reverse(action, args=[other_id]), HTTP_IDEMPOTENCY_KEY="k1")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert without_key.status_code == (409 if action == "block_suspend" else 200)
    assert elsewhere.status_code == 422
    assert Block.objects.get(public_id=other_id).status == "open"


def test_blocks_api_exam_feedback_reveals_nothing_until_the_end(api_as, student, secret_bank):
    client = api_as(student)
    block_id = _create(client).json()["public_id"]

    saved = _changes(client, block_id, {"position": 1, "field": "answer", "value": "C"})
    submitted = _changes(client, block_id, {"position": 1, "field": "submit", "value": "C"})
    detail = client.get(reverse("block", args=[block_id]))
    ended = client.post(reverse("block_end", args=[block_id]))

    for response in (saved, submitted, detail):
        assert SENTINEL not in response.content.decode()
        assert '"key"' not in response.content.decode()
    review = ended.json()["items"][0]["review"]
    assert (review["key"], review["correct"]) == ("C", True)
    assert review["options"]["A"] == f"<p>{SENTINEL} why A</p>"
    assert ended.json()["score"] == {
        "correct": 1,
        "incorrect": 0,
        "omitted": 2,
        "time_used_seconds": 0,
    }


def test_blocks_api_tutor_submit_reveals_that_item_only(api_as, student, secret_bank):
    client = api_as(student)
    block_id = _create(client, feedback="tutor").json()["public_id"]

    response = _changes(
        client,
        block_id,
        {"position": 2, "field": "answer", "value": "B"},
        {"position": 2, "field": "submit", "value": "B"},
    )
    detail = client.get(reverse("block", args=[block_id])).json()

    [item] = response.json()["items"]
    assert item["review"]["key"] == "C"
    assert item["review"]["peers"] == {
        "shown": False,
        "reason": "Peer statistics are computed after students answer; none yet.",
        "responses": 0,
        "options": {},
        "median_seconds": None,
    }
    assert [i["review"] is not None for i in detail["items"]] == [False, True, False]


def test_blocks_api_changes_answer_with_outcomes_and_time(api_as, student, secret_bank):
    client = api_as(student)
    block_id = _create(client).json()["public_id"]
    change_id = str(uuid.uuid4())
    body = {
        "client_now": "2026-11-25T10:00:00Z",
        "changes": [
            {
                "id": change_id,
                "position": 1,
                "field": "marked",
                "value": True,
                "client_time": "2026-11-25T09:59:59Z",
            }
        ],
    }

    first = client.post(reverse("block_changes", args=[block_id]), body, format="json")
    replay = client.post(reverse("block_changes", args=[block_id]), body, format="json")

    assert first.json()["results"] == [{"id": change_id, "outcome": "applied"}]
    assert replay.json()["results"] == [{"id": change_id, "outcome": "applied"}]
    assert first.json()["items"][0]["state"]["marked"] is True
    assert 0 < first.json()["seconds_left"] <= 270
    assert Change.objects.count() == 1


def test_blocks_api_change_after_deadline_is_409_and_kept_out(api_as, student, secret_bank):
    client = api_as(student)
    block_id = _create(client).json()["public_id"]
    deadline = Block.objects.get().deadline

    with time_machine.travel(deadline + timedelta(seconds=31)):
        response = _changes(client, block_id, {"position": 1, "field": "answer", "value": "A"})

    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "block_closed",
        "message": "This block has ended; changes are no longer accepted.",
        "fields": {},
    }
    assert (Block.objects.get().status, BlockItem.objects.get(position=1).answer) == ("ended", "")


def test_blocks_api_other_students_block_is_404(api_as, student, other_student, secret_bank):
    block_id = _create(api_as(student)).json()["public_id"]
    client = api_as(other_student)

    responses = [
        client.get(reverse("block", args=[block_id])),
        _changes(client, block_id, {"position": 1, "field": "answer", "value": "A"}),
        client.post(reverse("block_end", args=[block_id])),
        client.delete(reverse("block", args=[block_id])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert all(r.json()["error"]["code"] == "not_found" for r in responses)
    assert Block.objects.get().status == "open"


# Always: session, user, the items with their block (locked) and whether any change is a
# replay; the log insert; the items update. Then, as the batch needs: the outcomes of replayed
# changes; the versions (with statistics) and options of items that became reviewable; the
# block's last contact, written at most every 30 s and not alongside a review.
@pytest.mark.parametrize(
    ("batch", "feedback", "replay", "statements"),
    [
        (1, "exam", False, 6),
        (10, "exam", False, 6),
        (10, "tutor", False, 7),
        (10, "tutor", True, 8),
    ],
)
def test_blocks_api_changes_cost_a_fixed_number_of_statements(
    api_as, student, secret_bank, assert_statements, batch, feedback, replay, statements
):
    client = api_as(student)
    block_id = _create(client, count=5, feedback=feedback).json()["public_id"]
    changes = [
        {"id": str(uuid.uuid4()), "position": 1 + n % 5, "field": "answer", "value": "B"}
        for n in range(batch)
    ]
    if replay:
        assert _changes(client, block_id, *changes).status_code == 200
    changes.append({"position": 1, "field": "submit", "value": "B"})
    Block.objects.update(last_contact_at=Block.objects.get().created_at - timedelta(minutes=1))

    with assert_statements(statements):
        response = _changes(client, block_id, *changes)

    assert response.status_code == 200
    assert len(response.json()["results"]) == len(changes)
    assert Change.objects.count() == len(changes)  # the replayed changes are logged once


@pytest.mark.parametrize("count", [1, 5])
def test_blocks_api_detail_costs_a_fixed_number_of_queries(
    api_as, student, secret_bank, assert_statements, count
):
    client = api_as(student)
    block_id = _create(client, count=count).json()["public_id"]

    # session, user, block (locked), items with questions, versions and statistics, options
    with assert_statements(5):
        response = client.get(reverse("block", args=[block_id]))

    assert len(response.json()["items"]) == count


@pytest.mark.parametrize("count", [1, 5])
def test_blocks_api_create_costs_a_fixed_number_of_statements(
    api_as, student, secret_bank, assert_statements, count
):
    client = api_as(student)

    # session, user, the sample of candidates, block, its items, their states; then the
    # whole block: items with questions, versions and statistics, and their options
    with assert_statements(8):
        response = _create(client, count=count)

    assert len(response.json()["items"]) == count


@pytest.mark.parametrize("count", [1, 5])
def test_blocks_api_end_costs_a_fixed_number_of_statements(
    api_as, student, secret_bank, assert_statements, count
):
    client = api_as(student)
    block_id = _create(client, count=count).json()["public_id"]

    # session, user, block (locked), its items, block scored, items' results, the states
    # they last set, those states, the report marked due; then the whole block: items with
    # their versions, options
    with assert_statements(11):
        response = client.post(reverse("block_end", args=[block_id]))

    assert response.json()["score"]["omitted"] == count


@pytest.mark.parametrize("action", ["block_suspend", "block_resume"])
def test_blocks_api_suspend_and_resume_cost_a_fixed_number_of_statements(
    api_as, student, secret_bank, assert_statements, action
):
    client = api_as(student)
    block_id = _create(client, count=5).json()["public_id"]
    if action == "block_resume":
        client.post(reverse("block_suspend", args=[block_id]))

    # session, user, block (locked), block saved; then the whole block: items with their
    # versions, options
    with assert_statements(6):
        response = client.post(reverse(action, args=[block_id]))

    assert response.status_code == 200


@pytest.mark.parametrize("blocks", [1, 3])
def test_blocks_api_list_costs_a_fixed_number_of_statements(
    api_as, student, secret_bank, assert_statements, blocks
):
    client = api_as(student)
    for _ in range(blocks):
        _create(client, count=1)

    # session, user, blocks time has changed (none), count for the pages, the page of blocks
    with assert_statements(5):
        response = client.get(reverse("blocks"))

    assert response.json()["count"] == blocks


def test_blocks_api_counts_per_choice(
    api_as, student, secret_bank, editor, django_assert_num_queries
):
    publish(editor, stem="Renal.", discipline="physiology", system="renal-urinary")
    client = api_as(student)

    # session, user, pools, exams, disciplines, systems
    with django_assert_num_queries(6):
        response = client.get(
            reverse("block_counts"), {"pools": ["unused"], "systems": ["renal-urinary"]}
        )

    assert response.json() == {
        "pools": {"unused": 1, "incorrect": 0, "marked": 0, "omitted": 0, "correct": 0, "all": 1},
        "exams": none_but(Exam, step1=1),
        "disciplines": none_but(Discipline, physiology=1),
        "systems": none_but(System, cardiovascular=5, renal_urinary=1),
    }


def test_blocks_api_list_and_delete(api_as, student, secret_bank):
    client = api_as(student)
    first = _create(client, count=2).json()["public_id"]
    _create(client, count=2, pools=["all"])

    deleted = client.delete(reverse("block", args=[first]))
    listed = client.get(reverse("blocks"))

    assert deleted.status_code == 204
    assert [b["public_id"] for b in listed.json()["results"]] != [first]
    assert listed.json()["count"] == 1


def test_blocks_api_list_filters_by_status_and_pass_and_refuses_bad_filters(
    api_as, student, secret_bank
):
    client = api_as(student)
    ended = _create(client, count=2).json()["public_id"]
    client.post(reverse("block_end", args=[ended]))
    open_ = _create(client, count=2).json()["public_id"]

    only_open = client.get(reverse("blocks"), {"status": "open"})
    pass_1 = client.get(reverse("blocks"), {"pass_number": 1})
    pass_2 = client.get(reverse("blocks"), {"pass_number": 2})
    bad = client.get(reverse("blocks"), {"status": "finished", "pass_number": 0})

    assert [b["public_id"] for b in only_open.json()["results"]] == [open_]
    assert [b["public_id"] for b in pass_1.json()["results"]] == [open_, ended]
    assert pass_2.json()["results"] == []
    assert bad.status_code == 400
    assert bad.json() == {
        "error": {
            "code": "invalid",
            "message": "Some of the input is not valid.",
            "fields": {
                "status": ['"finished" is not a valid choice.'],
                "pass_number": ["Ensure this value is greater than or equal to 1."],
            },
        }
    }


def test_blocks_api_list_shows_blocks_as_time_left_them(api_as, student, secret_bank, time_machine):
    time_machine.move_to("2026-11-25 10:00:00Z", tick=False)
    client = api_as(student)
    block_id = _create(client, count=1).json()["public_id"]

    time_machine.move_to("2026-11-25 10:02:01Z", tick=False)  # 90 s and the grace are over
    listed = client.get(reverse("blocks")).json()["results"]

    assert [(b["public_id"], b["status"], b["end_reason"]) for b in listed] == [
        (block_id, "ended", "expired")
    ]
