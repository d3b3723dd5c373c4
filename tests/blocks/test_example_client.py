"""examples/vignette_client.py against a live server: the public API is enough to take a block."""

import re

import pytest

from apps.accounts import services as account_services
from apps.blocks.models import Block
from examples import vignette_client
from tests.blocks.conftest import publish

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

OBJECTIVES = ["Name the occluded artery.", "Read the ECG leads.", "Date the infarct."]


@pytest.fixture
def three_questions(taxonomy, editor):
    """Three published questions, each with an objective of its own (taxonomy first: a
    transactional test starts with empty tables)."""
    return [
        publish(editor, stem=f"Client case {n}.", objective=objective)
        for n, objective in enumerate(OBJECTIVES)
    ]


def _run(live_server, secret: str, capsys) -> tuple[int, list[str], str]:
    code = vignette_client.main(["--url", live_server.url, "--token", secret, "--count", "3"])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_example_client_takes_a_block_and_prints_its_review(
    live_server, three_questions, student, capsys
):
    _, secret = account_services.api_token_create(user=student, name="client")

    code, lines, err = _run(live_server, secret, capsys)

    assert (code, err) == (0, "")
    block = Block.objects.get(user=student)
    items = list(block.items.select_related("question").order_by("position"))
    objectives = {q.public_id: o for q, o in zip(three_questions, OBJECTIVES, strict=True)}
    # The client answers the options in turn (A, B, C) and marks every second item.
    assert [(item.answer, item.marked) for item in items] == [
        ("A", False),
        ("B", True),
        ("C", False),
    ]
    assert sorted(item.question.public_id for item in items) == sorted(objectives)
    assert (block.status, block.end_reason) == (Block.Status.ENDED, Block.EndReason.FINISHED)
    assert block.omitted_count == 0
    assert block.correct_count == sum(item.answer == item.key_letter for item in items)
    assert block.incorrect_count == 3 - block.correct_count

    assert lines[0] == "Signed in as alice <alice@example.org> (roles: student)"
    assert re.fullmatch(rf"Block {block.public_id}: 3 items, \d+ s left", lines[1])
    assert re.fullmatch(r"Saved 4 changes \(4 applied\); \d+ s left", lines[2])
    assert lines[3] == f"Block {block.public_id} is ended."
    review = []
    for item in items:
        verdict = "right" if item.answer == item.key_letter else "wrong"
        review += [
            f"{item.position}. {item.question.public_id}  answer {item.answer}  "
            f"key {item.key_letter}  {verdict}",
            f"   Objective: {objectives[item.question.public_id]}",
        ]
    assert lines[4:-1] == review
    assert lines[-1] == (
        f"Score: {block.correct_count} correct, {block.incorrect_count} incorrect, "
        f"{block.omitted_count} omitted, {block.time_used_seconds} s used"
    )


@pytest.mark.parametrize("revoked", [True, False], ids=["revoked", "never-issued"])
def test_example_client_with_a_bad_token_prints_the_error_and_exits_1(
    live_server, three_questions, student, capsys, revoked
):
    token, secret = account_services.api_token_create(user=student, name="client")
    if revoked:
        account_services.api_token_revoke(user=student, public_id=token.public_id)
    else:
        secret = "vgt_" + "x" * 40

    code, lines, err = _run(live_server, secret, capsys)

    assert (code, lines) == (1, [])
    assert err == "Error (HTTP 401, authentication_failed): Invalid or revoked API token.\n"
    assert Block.objects.count() == 0
