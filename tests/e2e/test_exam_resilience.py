"""The exam page when things go wrong: a flaky network, a restarted server, two tabs, a late
change, a submit made offline, and a closed page."""

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import APIResponse, Page, Route, expect

from apps.blocks.models import Block, BlockItem, Change
from tests.e2e.exam import open_block, saved, server_items
from tests.fixtures.services import wait_until

pytestmark = [pytest.mark.django_db(transaction=True)]

CHANGES = "**/changes/"


def _until(page: Page, predicate: Callable[[], bool], what: str, timeout: float = 10) -> None:
    """Poll against a deadline, letting Playwright run route handlers between polls."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"Gave up after {timeout:g} s waiting for {what}.")
        page.wait_for_timeout(50)


def _shown(page: Page, position: int, count: int = 3) -> tuple:
    """(answer, marked, struck) as the page shows item `position`, reached by the item list."""
    page.get_by_role("button", name=re.compile(rf"^Item {position},")).click()
    expect(page.get_by_role("heading", name=f"Item {position} of {count}")).to_be_visible()
    chosen = page.get_by_role("radio", checked=True)
    answer = chosen.get_attribute("value") if chosen.count() else ""
    restore = page.get_by_role("button", name=re.compile(r"^Restore [A-J]$"))
    struck = sorted(
        button.get_attribute("aria-label").removeprefix("Restore ") for button in restore.all()
    )
    return answer, page.get_by_role("checkbox", name="Mark").is_checked(), struck


def test_exam_flaky_network_saves_each_change_once(live_server, page: Page, student, bank):
    block = open_block(page, live_server.url, student)
    csrf = page.locator("[data-exam]").get_attribute("data-csrf")
    seen = 0
    handled = 0
    held: list[tuple[Route, APIResponse]] = []
    sent: Counter[str] = Counter()  # each change id, as often as the server was sent it
    replays: list[tuple[dict, int, dict]] = []
    errors: list[BaseException] = []

    def delivered(body: str) -> None:
        sent.update(change["id"] for change in json.loads(body)["changes"])

    def flaky(route: Route) -> None:
        nonlocal seen, handled
        seen += 1
        body = route.request.post_data
        try:
            if seen == 1:  # lost on the way: the server never hears of it
                route.abort()
            elif seen == 2:  # slow: the server applies it; the page hears much later
                delivered(body)
                held.append((route, route.fetch()))
            elif seen == 3:  # another client replays the same body after the original
                response = route.fetch()
                delivered(body)
                replay = page.request.post(
                    route.request.url,
                    data=body,
                    headers={"Content-Type": "application/json", "X-CSRFToken": csrf},
                )
                delivered(body)
                replays.append((response.json(), replay.status, replay.json()))
                route.fulfill(response=response)
            elif seen == 4:  # applied, but the answer is lost: the page sends it again
                route.fetch()
                delivered(body)
                route.abort()
            elif seen == 5:  # the resend reaches the server twice
                route.fetch()
                delivered(body)
                route.fulfill(response=route.fetch())
                delivered(body)
            else:
                delivered(body)
                route.continue_()
        except BaseException as error:  # a failure in a handler would only hang the page
            errors.append(error)
            raise
        finally:
            handled += 1

    page.route(CHANGES, flaky)

    page.keyboard.press("b")
    _until(page, lambda: held, "the second save request to be held")
    page.keyboard.press("m")
    page.keyboard.press("n")
    page.keyboard.press("c")
    page.keyboard.press("Shift+A")
    route, response = held.pop()
    route.fulfill(response=response)
    _until(page, lambda: handled >= 3, "the third save request, sent twice")
    page.keyboard.press("n")
    page.keyboard.press("d")
    page.keyboard.press("Shift+B")
    _until(page, lambda: handled >= 5, "the fourth and fifth save requests")
    page.unroute(CHANGES)
    saved(page)

    assert errors == []
    [(original, replay_status, replay)] = replays
    assert (replay_status, replay["results"]) == (200, original["results"])
    assert sum(sent.values()) > len(sent)  # some changes reached the server more than once
    expected = {1: ("B", True, []), 2: ("C", False, ["A"]), 3: ("D", False, ["B"])}
    assert server_items(block) == expected
    logged = Counter(
        str(change_id)
        for change_id in Change.objects.filter(block=block).values_list("change_id", flat=True)
    )
    assert logged == Counter(set(sent))  # every change the page made, once
    assert set(Change.objects.filter(block=block).values_list("outcome", flat=True)) == {"applied"}
    outbox = page.evaluate("key => localStorage.getItem(key)", f"vignette:outbox:{block.public_id}")
    assert outbox == "[]"
    shown = {position: _shown(page, position) for position in (3, 1, 2)}
    saved(page)  # moving between items records the time spent on them
    assert shown == server_items(block) == expected


@pytest.mark.services
def test_exam_survives_a_server_restart_mid_block(server_process, page: Page, student, bank):
    block = open_block(page, server_process.url, student)
    page.keyboard.press("a")
    page.keyboard.press("n")
    page.keyboard.press("b")
    saved(page)

    old = server_process.process
    with ThreadPoolExecutor(max_workers=1) as pool:
        restarting = pool.submit(server_process.restart)
        wait_until(lambda: old.poll() is not None, 15, "the first gunicorn to stop")
        page.keyboard.press("n")
        page.keyboard.press("c")
        restarting.result(timeout=60)
    saved(page)
    # The new gunicorn listens before its worker is ready, so that save may simply have waited;
    # with the server down for good, saves fail until it is back.
    server_process.stop()
    page.keyboard.press("m")
    expect(page.get_by_role("status")).to_have_text(
        "Offline: changes kept on this device (1 unsent)"
    )
    server_process.start()
    saved(page)

    assert server_items(block) == {1: ("A", False, []), 2: ("B", False, []), 3: ("C", True, [])}
    answers = Change.objects.filter(block=block, field="answer")
    assert Counter(answers.values_list("position", flat=True)) == {1: 1, 2: 1, 3: 1}


def test_exam_two_tabs_on_one_block_keep_the_later_change(live_server, page: Page, student, bank):
    block = open_block(page, live_server.url, student)
    second = page.context.new_page()
    second.goto(f"{live_server.url}/blocks/{block.public_id}/")
    expect(second.get_by_role("heading", name="Item 1 of 3")).to_be_visible()

    page.keyboard.press("b")
    saved(page)  # B reached the server before C is chosen
    second.keyboard.press("c")
    second.keyboard.press("n")
    second.keyboard.press("m")
    saved(second)
    saved(page)

    items = server_items(block)
    assert (items[1][0], items[2][1]) == ("C", True)
    # The first tab follows the second's saves as they happen, without a reload.
    expect(page.get_by_role("radio", name=re.compile(r"^C\."))).to_be_checked()
    expect(page.get_by_role("button", name="Item 2, unanswered, marked")).to_be_visible()
    for tab in (page, second):
        tab.reload()
        expect(tab.get_by_role("heading", name=re.compile(r"^Item \d of 3$"))).to_be_visible()
        tab.get_by_role("button", name="Item 2, unanswered, marked").click()
        expect(tab.get_by_role("checkbox", name="Mark")).to_be_checked()
        tab.get_by_role("button", name="Item 1, answered").click()
        expect(tab.get_by_role("radio", name=re.compile(r"^C\."))).to_be_checked()
    assert Change.objects.filter(block=block, field="answer").count() == 2


def test_exam_change_after_the_deadline_is_reported_not_saved(
    live_server, page: Page, student, bank
):
    block = open_block(page, live_server.url, student)  # timed
    Block.objects.filter(pk=block.pk).update(deadline=timezone.now() - timedelta(seconds=40))

    page.keyboard.press("a")

    expect(page.get_by_role("alert")).to_contain_text("not saved")
    expect(page).to_have_url(re.compile(r"/results/$"))
    block.refresh_from_db()
    assert (block.status, block.end_reason) == ("ended", "expired")
    assert server_items(block)[1] == ("", False, [])
    assert Change.objects.filter(block=block).count() == 0


def test_exam_tutor_submit_made_offline_reveals_when_back_online(
    live_server, page: Page, student, bank
):
    block = open_block(page, live_server.url, student, feedback="tutor")

    page.context.set_offline(True)
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    note = page.get_by_text(
        "Submitted offline: the explanation will show when you are back online."
    )
    expect(note).to_be_visible()
    expect(page.get_by_role("heading", name="Explanation")).to_have_count(0)
    assert BlockItem.objects.get(block=block, position=1).submitted is False
    page.context.set_offline(False)

    expect(page.get_by_role("heading", name="Explanation")).to_be_visible()
    expect(note).to_be_hidden()
    saved(page)
    item = BlockItem.objects.get(block=block, position=1)
    assert (item.answer, item.submitted, item.correct) == ("B", True, False)


def test_exam_reopened_page_resumes_at_the_same_item_with_its_tools(
    live_server, page: Page, student, bank
):
    block = open_block(page, live_server.url, student)
    url = page.url
    page.keyboard.press("n")
    page.keyboard.press("b")
    page.keyboard.press("Shift+D")
    page.keyboard.press("m")
    context = page.context
    page.close()

    again = context.new_page()
    again.goto(url)

    expect(again.get_by_role("heading", name="Item 2 of 3")).to_be_visible()
    expect(again.get_by_role("radio", name=re.compile(r"^B\."))).to_be_checked()
    expect(again.get_by_role("button", name="Restore D")).to_have_attribute("aria-pressed", "true")
    expect(again.get_by_role("checkbox", name="Mark")).to_be_checked()
    saved(again)
    assert server_items(block) == {1: ("", False, []), 2: ("B", True, ["D"]), 3: ("", False, [])}
    assert Change.objects.filter(block=block, field="answer").count() == 1
