"""What the browser tests of the exam page share: signing in, opening a block, waiting for
the page to save, and reading what the server holds."""

from playwright.sync_api import Page, expect

from apps.blocks import services
from apps.blocks.models import Block, BlockItem
from apps.blocks.services import BlockSpec
from tests.factories import PASSWORD


def log_in(page: Page, base_url: str, username: str = "alice") -> None:
    """Sign in, by default as the `student` fixture's user."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def open_block(page: Page, base_url: str, student, **spec) -> Block:
    """A new block of 3 items (or as `spec` says), open in the exam page at its first item."""
    block = services.block_create(user=student, spec=BlockSpec(**{"count": 3, **spec}))
    log_in(page, base_url)
    page.goto(f"{base_url}/blocks/{block.public_id}/")
    expect(page.get_by_role("heading", name=f"Item 1 of {block.item_count}")).to_be_visible()
    return block


def saved(page: Page) -> None:
    expect(page.get_by_role("status").filter(has_text="All changes saved")).to_be_visible()


def server_items(block: Block) -> dict[int, tuple]:
    """(answer, marked, struck) of each item, by position, as the server holds them."""
    rows = BlockItem.objects.filter(block=block).values_list(
        "position", "answer", "marked", "struck"
    )
    return {position: (answer, marked, struck) for position, answer, marked, struck in rows}
