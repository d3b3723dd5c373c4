"""The exam page in the browser: keyboard, tutor reveal, the clock, and never losing a change."""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.blocks import services
from apps.blocks.models import Block, BlockItem, Change
from apps.blocks.services import BlockSpec
from apps.questions.formats.base import ImageDraft
from tests.blocks.conftest import CLIENT_NOW, change, publish
from tests.e2e.exam import log_in, open_block, saved, server_items
from tests.factories import PASSWORD
from tests.questions.conftest import png_bytes

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_exam_block_taken_with_the_keyboard_only(live_server, page: Page, student, bank):
    block = open_block(page, live_server.url, student)

    page.keyboard.press("b")
    page.keyboard.press("m")
    page.keyboard.press("n")
    expect(page.get_by_role("heading", name="Item 2 of 3")).to_be_visible()
    page.keyboard.press("Shift+A")
    page.keyboard.press("c")
    saved(page)
    page.keyboard.press("q")
    dialog = page.get_by_role("dialog", name="End the block?")
    expect(dialog.get_by_text("Unanswered: item 3.")).to_be_visible()
    expect(dialog.get_by_text("Marked: item 1.")).to_be_visible()
    page.keyboard.press("Enter")  # the dialog's first button: End the block

    expect(page).to_have_url(re.compile(r"/results/$"))
    block.refresh_from_db()
    assert (block.status, block.end_reason) == ("ended", "finished")
    assert server_items(block) == {1: ("B", True, []), 2: ("C", False, ["A"]), 3: ("", False, [])}
    assert Change.objects.filter(block=block, field="answer").count() == 2


def test_exam_choices_by_mouse_and_the_item_list(live_server, page: Page, student, bank):
    block = open_block(page, live_server.url, student)

    page.get_by_role("radio", name=re.compile(r"^D\.")).check()
    page.get_by_role("button", name="Item 3, unanswered").click()
    page.get_by_role("button", name="Strike out B").click()
    page.get_by_role("checkbox", name="Mark").check()
    saved(page)

    expect(page.get_by_role("button", name="Item 1, answered")).to_be_visible()
    expect(page.get_by_role("button", name="Item 3, unanswered, marked")).to_be_visible()
    expect(page.get_by_role("button", name="Restore B")).to_have_attribute("aria-pressed", "true")
    assert server_items(block) == {1: ("D", False, []), 2: ("", False, []), 3: ("", True, ["B"])}
    page.get_by_role("button", name="End block").click()
    page.get_by_role("dialog", name="End the block?").get_by_role(
        "button", name="End the block"
    ).click()
    expect(page).to_have_url(re.compile(r"/results/$"))
    block.refresh_from_db()
    assert (block.status, block.correct_count, block.omitted_count) == ("ended", 0, 2)


def test_exam_tutor_submit_reveals_only_that_item(live_server, page: Page, student, bank):
    block = open_block(page, live_server.url, student, feedback="tutor")

    page.keyboard.press("b")
    page.keyboard.press("Enter")

    expect(page.get_by_text("Incorrect · your answer")).to_be_visible()
    expect(page.get_by_text("Correct answer", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Explanation")).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile(r"^A\."))).to_be_disabled()
    page.keyboard.press("n")
    expect(page.get_by_text("Correct answer", exact=True)).to_have_count(0)
    item = BlockItem.objects.get(block=block, position=1)
    assert (item.answer, item.submitted, item.correct) == ("B", True, False)


def test_exam_changes_made_offline_reach_the_server_once(live_server, page: Page, student, bank):
    block = open_block(page, live_server.url, student)

    page.context.set_offline(True)
    page.keyboard.press("a")
    page.keyboard.press("n")
    page.keyboard.press("Shift+C")
    page.keyboard.press("m")
    expect(page.get_by_role("status").filter(has_text="Offline")).to_be_visible()
    page.context.set_offline(False)
    saved(page)

    assert server_items(block) == {1: ("A", False, []), 2: ("", True, ["C"]), 3: ("", False, [])}
    assert Change.objects.filter(block=block).exclude(field="time_spent").count() == 3


def test_exam_unsent_changes_survive_a_reload(live_server, page: Page, student, bank):
    block = open_block(page, live_server.url, student)
    page.route("**/changes/", lambda route: route.abort())

    page.keyboard.press("c")
    page.keyboard.press("n")
    page.keyboard.press("m")
    expect(page.get_by_role("status").filter(has_text="unsent")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Item 2 of 3")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Mark")).to_be_checked()
    page.unroute("**/changes/")
    page.keyboard.press("p")
    saved(page)

    assert server_items(block) == {1: ("C", False, []), 2: ("", True, []), 3: ("", False, [])}
    assert Change.objects.filter(block=block, field__in=["answer", "marked"]).count() == 2


def test_exam_ends_the_block_when_time_is_up(live_server, page: Page, student, bank):
    block = services.block_create(user=student, spec=BlockSpec(count=1))
    Block.objects.filter(pk=block.pk).update(deadline=timezone.now() + timedelta(seconds=3))
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/blocks/{block.public_id}/")
    expect(page.get_by_role("heading", name="Item 1 of 1")).to_be_visible()
    page.keyboard.press("d")

    expect(page).to_have_url(re.compile(r"/results/$"), timeout=15000)
    block.refresh_from_db()
    assert (block.status, block.end_reason) == ("ended", "expired")
    assert BlockItem.objects.get(block=block).answer == "D"


def test_exam_lab_values_and_calculator_beside_the_item(live_server, page: Page, student, bank):
    block = open_block(page, live_server.url, student)

    page.keyboard.press("l")
    page.get_by_label("Search lab values").fill("sodium")
    expect(page.get_by_role("rowheader", name="Sodium", exact=True)).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("complementary", name="Lab values")).to_be_hidden()
    page.keyboard.press("k")
    page.keyboard.type("12*3")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Calculator display")).to_have_text("36")
    page.keyboard.type("abc")  # typed into the calculator, not taken as answers
    page.get_by_role("button", name="Close").click()
    expect(page.get_by_role("button", name="Calculator")).to_be_focused()

    assert server_items(block)[1] == ("", False, [])


SELECT_FIRST_WORDS = """() => {
    const text = document.querySelector(".item__stem p").firstChild;
    const range = document.createRange();
    range.setStart(text, 0);
    range.setEnd(text, 6);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
}"""


def test_exam_highlights_notes_and_view_come_back_after_a_reload(
    live_server, page: Page, student, bank
):
    block = open_block(page, live_server.url, student)

    page.evaluate(SELECT_FIRST_WORDS)
    page.keyboard.press("u")
    page.keyboard.press("t")
    page.get_by_label("Your note on this item").fill("Think of the LAD.")
    page.keyboard.press("Escape")
    page.keyboard.press("+")
    page.keyboard.press("+")
    page.keyboard.press("s")
    saved(page)
    page.reload()

    expect(page.locator("mark.exam-highlight")).to_have_text(re.compile(r"^Case \d$"))
    expect(page.get_by_text("130%")).to_be_visible()
    expect(page.get_by_role("button", name="Colors: Dark")).to_be_visible()
    page.get_by_role("button", name="Notes").click()
    expect(page.get_by_label("Your note on this item")).to_have_value("Think of the LAD.")
    item = BlockItem.objects.get(block=block, position=1)
    assert (item.highlights, item.note) == ([[0, 6]], "Think of the LAD.")

    page.locator("mark.exam-highlight").click()
    saved(page)
    expect(page.locator("mark.exam-highlight")).to_have_count(0)
    assert BlockItem.objects.get(block=block, position=1).highlights == []


def test_exam_page_reviews_an_ended_block_with_a_filter(live_server, page: Page, student, bank):
    block = services.block_create(user=student, spec=BlockSpec(count=3, feedback="tutor"))
    services.changes_apply(
        user=student,
        public_id=block.public_id,
        changes=[
            change(1, "answer", "A"),
            change(2, "answer", "B"),
            change(2, "marked", True),
            change(2, "note", "Recheck the leads."),
        ],
        client_now=CLIENT_NOW,
    )
    services.block_end(user=student, public_id=block.public_id)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/blocks/{block.public_id}/results/")

    page.get_by_role("link", name="Review the items").click()
    expect(page.get_by_text("Correct · your answer: A · correct answer: A")).to_be_visible()
    expect(page.get_by_text("Peer statistics are computed after students answer")).to_be_visible()
    report = page.get_by_role("link", name="Report an error in this question")
    expect(report).to_have_attribute("href", re.compile(r"/VQ-\d{6}/report/$"))
    page.get_by_label("Show").select_option("incorrect")

    expect(page.get_by_role("heading", name="Item 2 of 3")).to_be_visible()
    expect(page.get_by_text("Incorrect · your answer: B · correct answer: A")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Item \d"))).to_have_count(1)
    page.keyboard.press("t")
    expect(page.get_by_label("Your note on this item")).to_have_value("Recheck the leads.")
    page.keyboard.press("Escape")
    page.keyboard.press("c")  # review changes nothing
    expect(page.get_by_role("radio", name=re.compile(r"^B\."))).to_be_checked()
    assert BlockItem.objects.get(block=block, position=2).answer == "B"


def test_exam_on_a_phone_with_touch(live_server, browser, student, bank):
    block = services.block_create(user=student, spec=BlockSpec(count=3))
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/blocks/{block.public_id}/")
    expect(page.get_by_role("heading", name="Item 1 of 3")).to_be_visible()
    expect(page.get_by_role("button", name="Item 2, unanswered")).to_be_hidden()

    page.get_by_role("button", name="Item list").tap()
    page.get_by_role("button", name="Item 2, unanswered").tap()
    expect(page.get_by_role("heading", name="Item 2 of 3")).to_be_visible()
    expect(page.get_by_role("button", name="Item 2, unanswered")).to_be_hidden()
    page.get_by_role("radio", name=re.compile(r"^C\.")).tap()
    option_a = page.locator(".option[data-letter='A'] .option__text")
    option_a.dispatch_event("pointerdown", {"pointerType": "touch", "isPrimary": True})
    page.wait_for_timeout(700)
    option_a.dispatch_event("pointerup", {"pointerType": "touch", "isPrimary": True})
    page.evaluate(SELECT_FIRST_WORDS)
    page.get_by_role("button", name="Highlight").tap()
    page.get_by_role("button", name="Lab values").tap()
    expect(page.get_by_label("Search lab values")).to_be_visible()
    page.get_by_role("complementary", name="Lab values").get_by_role("button", name="Close").tap()
    saved(page)

    item = BlockItem.objects.get(block=block, position=2)
    assert (item.answer, item.struck, item.highlights) == ("C", ["A"], [[0, 6]])
    context.close()


def test_exam_warns_at_five_minutes_and_one_minute(live_server, page: Page, student, bank):
    block = services.block_create(user=student, spec=BlockSpec(count=4))
    Block.objects.filter(pk=block.pk).update(deadline=timezone.now() + timedelta(seconds=305))
    page.clock.install()
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/blocks/{block.public_id}/")
    expect(page.get_by_role("heading", name="Item 1 of 4")).to_be_visible()
    alert = page.get_by_role("alert")

    page.clock.run_for(10_000)
    expect(alert).to_have_text("5 minutes remain in this block.")
    page.clock.run_for(240_000)
    expect(alert).to_have_text("1 minute remains in this block.")
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"^Time left 0:[45]\d$"))


def test_exam_figure_in_the_stem_enlarges(live_server, page: Page, student, editor, taxonomy):
    publish(
        editor,
        stem="A rhythm strip is shown.\n\n![Rhythm strip](ecg.png)",
        images=[ImageDraft("ecg.png", png_bytes(size=(120, 60)), "Rhythm strip")],
    )
    block = services.block_create(user=student, spec=BlockSpec(count=1))
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/blocks/{block.public_id}/")

    page.get_by_role("img", name="Rhythm strip").click()

    dialog = page.get_by_role("dialog", name="Enlarged image")
    expect(dialog.get_by_role("img", name="Rhythm strip")).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_role("img", name="Rhythm strip").focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()


@pytest.mark.parametrize(("clock", "feedback"), [("timed", "tutor"), ("untimed", "exam")])
def test_exam_other_modes_by_keyboard(live_server, page: Page, student, bank, clock, feedback):
    block = open_block(page, live_server.url, student, clock=clock, feedback=feedback)
    timer = page.get_by_role("timer")
    expect(timer).to_have_text(re.compile(r"^Time left" if clock == "timed" else r"^Elapsed"))

    for letter in "abc":
        page.keyboard.press(letter)
        if feedback == "tutor":
            page.keyboard.press("Enter")
            expect(page.get_by_role("heading", name="Explanation")).to_be_visible()
        page.keyboard.press("n")
    saved(page)
    page.keyboard.press("q")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/results/$"))
    items = BlockItem.objects.filter(block=block).order_by("position")
    assert [(i.answer, i.submitted) for i in items] == [
        (letter, feedback == "tutor") for letter in "ABC"
    ]


def test_exam_a_whole_40_item_block(live_server, page: Page, student, editor, taxonomy):
    for n in range(40):
        publish(editor, stem=f"Case {n}: a 58-year-old man has chest pain.")
    block = open_block(page, live_server.url, student, count=40)

    for position in range(1, 41):
        page.keyboard.press("abcd"[position % 4])
        if position % 5 == 0:
            page.keyboard.press("m")
        page.keyboard.press("n")
    saved(page)
    page.keyboard.press("q")
    expect(page.get_by_text("Every item is answered.")).to_be_visible()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/results/$"))
    items = BlockItem.objects.filter(block=block).order_by("position")
    assert [(i.answer, i.marked) for i in items] == [
        ("ABCD"[p % 4], p % 5 == 0) for p in range(1, 41)
    ]
    assert Change.objects.filter(block=block, field="answer").count() == 40


def test_exam_session_ended_asks_for_the_password_in_place(live_server, page: Page, student, bank):
    block = open_block(page, live_server.url, student)
    Session.objects.all().delete()  # the session expired

    page.keyboard.press("b")
    dialog = page.get_by_role("dialog", name="Sign in again to keep saving")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Password").fill("not the password")
    dialog.get_by_role("button", name="Sign in and save").click()
    expect(dialog.get_by_role("alert")).to_have_text("Your username or password is not right.")
    dialog.get_by_label("Password").fill(PASSWORD)
    dialog.get_by_role("button", name="Sign in and save").click()
    saved(page)
    page.keyboard.press("n")
    page.keyboard.press("c")
    saved(page)

    assert server_items(block) == {1: ("B", False, []), 2: ("C", False, []), 3: ("", False, [])}


def test_exam_reloaded_offline_keeps_every_change_and_sends_them_once(
    live_server, page: Page, student, bank
):
    block = open_block(page, live_server.url, student)
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now under the service worker
    expect(page.get_by_role("heading", name="Item 1 of 3")).to_be_visible()
    page.evaluate(SELECT_FIRST_WORDS)

    page.context.set_offline(True)
    page.keyboard.press("u")
    page.keyboard.press("d")
    page.keyboard.press("n")
    page.keyboard.press("Shift+A")
    page.keyboard.press("m")
    page.keyboard.press("t")
    page.get_by_label("Your note on this item").fill("Ask about the pain.")
    page.keyboard.press("Escape")
    page.reload()
    expect(page.get_by_role("heading", name="Item 2 of 3")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("You are offline")
    expect(page.get_by_role("button", name="Restore A")).to_be_visible()
    page.context.set_offline(False)
    saved(page)

    item_1, item_2 = BlockItem.objects.filter(block=block).order_by("position")[:2]
    assert (item_1.answer, item_1.highlights) == ("D", [[0, 6]])
    assert (item_2.struck, item_2.marked, item_2.note) == (["A"], True, "Ask about the pain.")
    fields = Change.objects.filter(block=block).exclude(field="time_spent")
    assert sorted(fields.values_list("field", flat=True)) == [
        "answer",
        "highlights",
        "marked",
        "note",
        "struck",
    ]


def test_exam_two_changes_in_one_millisecond_keep_their_order(
    live_server, page: Page, student, bank
):
    page.clock.install()
    block = open_block(page, live_server.url, student)
    page.clock.pause_at(timezone.now() + timedelta(minutes=1))  # the page's clock stands still

    page.keyboard.press("d")
    page.keyboard.press("a")
    page.clock.run_for(2000)
    page.clock.resume()
    saved(page)

    assert server_items(block)[1] == ("A", False, [])


def test_exam_review_on_a_phone(live_server, browser, student, bank):
    block = services.block_create(user=student, spec=BlockSpec(count=3))
    services.changes_apply(
        user=student,
        public_id=block.public_id,
        changes=[change(1, "answer", "A"), change(2, "answer", "C")],
        client_now=CLIENT_NOW,
    )
    services.block_end(user=student, public_id=block.public_id)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/blocks/{block.public_id}/?item=1")
    expect(page.get_by_text("Correct · your answer: A")).to_be_visible()

    page.get_by_role("button", name="Item list").tap()
    page.get_by_label("Show").select_option("incorrect")
    expect(page.get_by_role("heading", name="Item 2 of 3")).to_be_visible()
    page.get_by_role("button", name="Item list").tap()
    expect(page.get_by_role("button", name="Item 2, incorrect")).to_be_hidden()
    expect(page.get_by_text("Incorrect · your answer: C")).to_be_in_viewport()
    context.close()
