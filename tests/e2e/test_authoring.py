import pytest
from playwright.sync_api import Page, expect

from apps.questions.models import Question
from tests.e2e.exam import log_in

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_author_writes_a_question_with_live_preview(live_server, page: Page, author, taxonomy):
    log_in(page, live_server.url, "carol")
    page.goto(f"{live_server.url}/bank/new/")

    page.get_by_label("Exam", exact=True).select_option("step1")
    page.get_by_label("Discipline").select_option("pathology")
    page.get_by_label("System").select_option("cardiovascular")
    page.get_by_label("Stem", exact=True).fill("A 58-year-old man has **crushing** chest pain.")
    preview = page.locator("[data-preview-target='stem']")
    expect(preview.locator("strong")).to_have_text("crushing")
    page.get_by_label("Lead-in").fill("Which artery is most likely occluded?")
    page.get_by_label("Option A", exact=True).fill("Left anterior descending artery")
    page.get_by_label("Option B", exact=True).fill("Right coronary artery")
    page.get_by_label("Option A is correct").check()
    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_text("is saved as a draft.")).to_be_visible()
    question = Question.objects.get()
    assert question.latest_version.stem_html == (
        "<p>A 58-year-old man has <strong>crushing</strong> chest pain.</p>"
    )
    assert [o.is_correct for o in question.latest_version.options.all()] == [True, False]


def test_author_sees_item_writing_checks_as_they_write(live_server, page: Page, author, taxonomy):
    log_in(page, live_server.url, "carol")
    page.goto(f"{live_server.url}/bank/new/")
    checks = page.locator("[data-checks-results]")

    page.get_by_label("Stem", exact=True).fill("A 58-year-old man has crushing chest pain.")
    page.get_by_label("Lead-in").fill("The occluded artery")
    page.get_by_label("Option A", exact=True).fill("Left anterior descending artery")
    page.get_by_label("Option B", exact=True).fill("None of the above")
    page.get_by_label("Option A is correct").check()

    expect(checks).to_contain_text("lead-in The lead-in is not a question")
    expect(checks).to_contain_text("of-the-above Option B says “None of the above”.")
    page.get_by_label("Lead-in").fill("Which artery is most likely occluded?")
    page.get_by_label("Checks waived").fill("of-the-above: kept to show the checker")
    expect(checks).not_to_contain_text("The lead-in is not a question")
    expect(checks.locator(".checks__finding--waived")).to_contain_text(
        "Waived: kept to show the checker"
    )
