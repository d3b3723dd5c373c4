import pytest
from playwright.sync_api import Page, expect

from apps.blocks import services
from apps.blocks.models import Block
from apps.blocks.services import BlockSpec
from tests.blocks.conftest import CLIENT_NOW, change, publish
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bank(editor, taxonomy):
    """Three pathology/cardiovascular questions and two physiology/renal ones."""
    cardio = [publish(editor, stem=f"Cardio case {n}.") for n in range(3)]
    renal = [
        publish(editor, stem=f"Renal case {n}.", discipline="physiology", system="renal-urinary")
        for n in range(2)
    ]
    return cardio + renal


def _log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_new_block_counts_follow_the_form_as_it_changes(live_server, page: Page, student, bank):
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/blocks/new/")
    cardiovascular = page.locator("[data-count='systems:cardiovascular']")
    renal = page.locator("[data-count='systems:renal-urinary']")
    expect(cardiovascular).to_have_text("3")

    page.get_by_label("Physiology").check()

    expect(cardiovascular).to_have_text("0")
    expect(renal).to_have_text("2")
    expect(page.get_by_role("status")).to_have_text(
        "2 questions in these exams, disciplines and systems."
    )

    page.get_by_label("Unused").uncheck()
    page.get_by_label("Incorrect").check()

    expect(renal).to_have_text("0")


def test_new_custom_block_from_a_list_of_question_ids(live_server, page: Page, student, bank):
    ids = [bank[4].public_id, bank[0].public_id]
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/blocks/new/")

    page.get_by_text("Or a custom block of chosen questions").click()
    page.get_by_label("Question ids").fill(f"{ids[0]}, {ids[1].lower()}")
    expect(page.get_by_role("status")).to_have_text(
        "A custom block of 2 questions: pools, filters and the number of items are ignored."
    )
    page.get_by_role("button", name="Start the block").click()

    expect(page).to_have_url(f"{live_server.url}/blocks/{Block.objects.get().public_id}/")
    assert [item.question.public_id for item in Block.objects.get().items.all()] == ids


def test_new_block_of_an_ended_blocks_incorrect_items(live_server, page: Page, student, bank):
    source = services.block_create(user=student, spec=BlockSpec(count=2, clock="untimed"))
    services.changes_apply(
        user=student,
        public_id=source.public_id,
        changes=[change(1, "answer", "B")],
        client_now=CLIENT_NOW,
    )
    services.block_end(user=student, public_id=source.public_id)
    wrong = source.items.get(position=1).question.public_id
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/blocks/")

    page.get_by_role("link", name="New block of its 1 incorrect").click()

    expect(page.get_by_label("Question ids")).to_have_value(wrong)
    expect(page.get_by_label("Untimed")).to_be_checked()
    expect(page.get_by_role("status")).to_have_text(
        "A custom block of 1 question: pools, filters and the number of items are ignored."
    )
    page.get_by_role("button", name="Start the block").click()
    expect(page.get_by_role("heading", name="Item 1 of 1")).to_be_visible()
