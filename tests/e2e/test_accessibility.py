"""axe-core in the browser: no serious or critical violations on the block pages."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from apps.blocks import services
from apps.blocks.models import Block
from apps.blocks.services import BlockSpec
from tests.blocks.conftest import CLIENT_NOW, change
from tests.e2e.exam import log_in

pytestmark = [pytest.mark.django_db(transaction=True)]

# What axe rates as barriers; moderate and minor findings (best practices) are left to judgement.
BLOCKING = ("serious", "critical")
SCHEMES = ["light", "dark"]


def _blocking_violations(page: Page) -> list[tuple[str, str, list[str]]]:
    """(rule, impact, the first three elements) for each serious or critical violation."""
    results = Axe().run(page)
    return [
        (
            violation["id"],
            violation["impact"],
            [" ".join(node["target"]) for node in violation["nodes"][:3]],
        )
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


def _open_exam(page: Page, base_url: str, student) -> Block:
    block = services.block_create(user=student, spec=BlockSpec(count=3))
    log_in(page, base_url)
    page.goto(f"{base_url}/blocks/{block.public_id}/")
    expect(page.get_by_role("heading", name="Item 1 of 3")).to_be_visible()
    return block


@pytest.mark.parametrize("scheme", SCHEMES)
def test_new_block_page_passes_axe(live_server, page: Page, student, bank, scheme):
    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server.url)

    page.goto(f"{live_server.url}/blocks/new/")
    page.wait_for_load_state("load")  # the counts script (a module) has run by then
    page.get_by_text("Or a custom block of chosen questions").click()  # axe skips hidden parts
    expect(page.get_by_label("Question ids")).to_be_visible()

    assert _blocking_violations(page) == []


@pytest.mark.parametrize("scheme", ["Light", "Dark", "High contrast"])
def test_exam_page_passes_axe_in_every_color_scheme(live_server, page: Page, student, bank, scheme):
    _open_exam(page, live_server.url, student)
    page.keyboard.press("b")  # a chosen option, and one struck out, in each scheme
    page.keyboard.press("Shift+C")

    while not page.get_by_role("button", name=f"Colors: {scheme}").is_visible():
        page.keyboard.press("s")

    assert _blocking_violations(page) == []


def test_exam_page_with_lab_values_and_calculator_passes_axe(
    live_server, page: Page, student, bank
):
    _open_exam(page, live_server.url, student)

    page.get_by_role("button", name="Lab values").click()
    expect(page.get_by_label("Search lab values")).to_be_visible()
    page.get_by_role("button", name="Calculator").click()
    expect(page.get_by_label("Calculator display")).to_be_visible()

    assert _blocking_violations(page) == []


def test_exam_page_end_dialog_passes_axe(live_server, page: Page, student, bank):
    _open_exam(page, live_server.url, student)

    page.get_by_role("button", name="End block").click()
    expect(page.get_by_role("dialog", name="End the block?")).to_be_visible()

    assert _blocking_violations(page) == []


@pytest.mark.parametrize("scheme", SCHEMES)
def test_review_page_passes_axe(live_server, page: Page, student, bank, scheme):
    block = services.block_create(user=student, spec=BlockSpec(count=3))
    services.changes_apply(
        user=student,
        public_id=block.public_id,
        changes=[change(1, "answer", "B")],
        client_now=CLIENT_NOW,
    )
    services.block_end(user=student, public_id=block.public_id)
    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server.url)

    page.goto(f"{live_server.url}/blocks/{block.public_id}/review/1/")
    expect(page.get_by_role("heading", name="Explanation")).to_be_visible()

    assert _blocking_violations(page) == []


def test_exam_page_in_review_passes_axe(live_server, page: Page, student, bank):
    block = services.block_create(user=student, spec=BlockSpec(count=3))
    services.changes_apply(
        user=student,
        public_id=block.public_id,
        changes=[change(1, "answer", "B"), change(2, "marked", True)],
        client_now=CLIENT_NOW,
    )
    services.block_end(user=student, public_id=block.public_id)
    log_in(page, live_server.url)

    page.goto(f"{live_server.url}/blocks/{block.public_id}/?item=1")
    expect(page.get_by_text("Incorrect · your answer: B")).to_be_visible()

    assert _blocking_violations(page) == []
