import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import ApiToken
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True)]


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_api_token_created_copied_and_revoked_in_the_browser(live_server, page: Page, student):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.clock.install()
    _log_in(page, live_server.url, "alice")
    page.get_by_role("link", name="alice").click()

    page.get_by_label("Token name").fill("phone")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token").inner_text()
    page.get_by_role("button", name="Copy").click()

    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    page.clock.run_for(2000)
    expect(page.get_by_role("button", name="Copy")).to_be_visible()

    page.reload()
    expect(page.locator("#new-token")).to_have_count(0)
    page.get_by_role("button", name="Revoke phone").click()
    expect(page.get_by_text("The token is revoked")).to_be_visible()
    assert ApiToken.objects.count() == 0


def test_api_docs_page_loads_under_the_content_security_policy(live_server, page: Page, student):
    problems = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    _log_in(page, live_server.url, "alice")

    page.goto(f"{live_server.url}/api/v1/docs/")

    expect(page.get_by_text("/api/v1/me/").first).to_be_visible()
    assert problems == []
