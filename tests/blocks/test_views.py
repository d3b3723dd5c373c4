import pytest
from django.urls import reverse

from apps.blocks import services
from apps.blocks.models import Block
from apps.blocks.services import BlockSpec
from apps.questions.models import System
from apps.questions.rendering import render_item
from tests.blocks.conftest import CLIENT_NOW, change, none_but

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def _block(student, **spec):
    return services.block_create(user=student, spec=BlockSpec(**{"count": 3, **spec}))


def test_new_block_page_shows_counts_and_creates(client, student, bank):
    client.force_login(student)

    page = client.get(reverse("blocks:new"))
    created = client.post(
        reverse("blocks:new"),
        {"clock": "timed", "feedback": "exam", "pools": ["unused"], "count": 4},
    )

    block = Block.objects.get()
    assert page.context["counts"]["pools"]["unused"] == 8
    assert page.context["counts"]["systems"] == none_but(System, cardiovascular=6, renal_urinary=2)
    assert created.url == reverse("blocks:exam", args=[block.public_id])
    assert block.item_count == 4


def test_new_block_page_explains_when_too_few_match(client, student, bank):
    client.force_login(student)

    response = client.post(
        reverse("blocks:new"),
        {"clock": "timed", "feedback": "exam", "pools": ["incorrect"], "count": 4},
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "count": ["Only 0 question(s) match; ask for 0 or fewer."]
    }
    assert Block.objects.count() == 0


def test_take_page_saves_answer_and_mark_then_moves_on(client, student, bank):
    block = _block(student)
    client.force_login(student)

    page = client.get(reverse("blocks:take", args=[block.public_id, 1]))
    moved = client.post(
        reverse("blocks:take", args=[block.public_id, 1]),
        {"answer": ["", "B"], "marked": "on", "move": "next"},
    )

    item = block.items.get(position=1)
    assert page.status_code == 200
    assert moved.url == reverse("blocks:take", args=[block.public_id, 2])
    assert (item.answer, item.marked) == ("B", True)


def test_end_page_lists_unanswered_and_marked_then_ends(client, student, bank):
    block = _block(student)
    client.force_login(student)
    client.post(
        reverse("blocks:take", args=[block.public_id, 2]),
        {"answer": ["", "A"], "marked": "on", "move": "end"},
    )

    confirm = client.get(reverse("blocks:end", args=[block.public_id]))
    ended = client.post(reverse("blocks:end", args=[block.public_id]))
    results = client.get(ended.url)

    assert (confirm.context["unanswered"], confirm.context["marked"]) == ([1, 3], [2])
    assert results.context["summary"]["score"]["correct"] == 1
    assert Block.objects.get().status == "ended"


def test_review_page_only_after_the_end_in_exam_feedback(client, student, bank):
    block = _block(student)
    client.force_login(student)

    early = client.get(reverse("blocks:review", args=[block.public_id, 1]))
    services.block_end(user=student, public_id=block.public_id)
    review = client.get(reverse("blocks:review", args=[block.public_id, 1]))

    assert early.url == reverse("blocks:take", args=[block.public_id, 1])
    assert review.context["payload"]["review"]["key"] == "A"
    assert b"Correct answer" in review.content


def test_history_page_filters_by_status_and_pass(client, student, bank):
    ended = _block(student)
    services.block_end(user=student, public_id=ended.public_id)
    services.pass_start(user=student)
    second_pass = _block(student)
    client.force_login(student)

    everything = client.get(reverse("blocks:history"))
    only_ended = client.get(reverse("blocks:history"), {"status": "ended"})
    only_pass_2 = client.get(reverse("blocks:history"), {"pass": "2"})
    nothing = client.get(reverse("blocks:history"), {"status": "ended", "pass": "2"})

    assert [b.public_id for b, _, _ in everything.context["rows"]] == [
        second_pass.public_id,
        ended.public_id,
    ]
    assert [b.public_id for b, _, _ in only_ended.context["rows"]] == [ended.public_id]
    assert [b.public_id for b, _, _ in only_pass_2.context["rows"]] == [second_pass.public_id]
    assert nothing.context["rows"] == []
    assert b"No blocks match this filter." in nothing.content


def _ended_with_one_incorrect_and_one_marked(student):
    block = _block(student, feedback="tutor", clock="untimed")
    services.changes_apply(
        user=student,
        public_id=block.public_id,
        changes=[change(1, "answer", "B"), change(2, "answer", "A"), change(3, "marked", True)],
        client_now=CLIENT_NOW,
    )
    return services.block_end(user=student, public_id=block.public_id)


def test_history_offers_new_blocks_of_a_blocks_incorrect_and_marked_items(client, student, bank):
    block = _ended_with_one_incorrect_and_one_marked(student)
    client.force_login(student)

    history = client.get(reverse("blocks:history"))

    (_, _, revisit) = history.context["rows"][0]
    assert revisit == {"incorrect": 1, "marked": 1}
    assert b"New block of its 1 incorrect" in history.content
    assert f"?from={block.public_id}&amp;pick=marked".encode() in history.content


def test_results_offer_new_blocks_only_of_what_there_is(client, student, bank):
    with_both = _ended_with_one_incorrect_and_one_marked(student)
    with_neither = _block(student)
    services.block_end(user=student, public_id=with_neither.public_id)
    client.force_login(student)

    both = client.get(reverse("blocks:results", args=[with_both.public_id]))
    neither = client.get(reverse("blocks:results", args=[with_neither.public_id]))

    assert b"New block of the 1 incorrect" in both.content
    assert b"New block of the 1 marked" in both.content
    assert b"New block of the" not in neither.content


def test_new_block_of_a_blocks_incorrect_items_is_a_custom_block(client, student, bank):
    source = _ended_with_one_incorrect_and_one_marked(student)
    wrong = source.items.get(position=1).question.public_id
    client.force_login(student)

    prefilled = client.get(
        reverse("blocks:new"), {"from": str(source.public_id), "pick": "incorrect"}
    )
    created = client.post(
        reverse("blocks:new"),
        {"clock": "untimed", "feedback": "tutor", "count": 40, "question_ids": wrong},
    )

    block = Block.objects.exclude(pk=source.pk).get()
    assert prefilled.context["form"].initial == {
        "question_ids": wrong,
        "clock": "untimed",
        "feedback": "tutor",
    }
    assert created.url == reverse("blocks:exam", args=[block.public_id])
    assert [item.question.public_id for item in block.items.all()] == [wrong]
    assert block.spec["question_ids"] == [wrong]


def test_new_block_of_a_block_without_incorrect_items_says_so(client, student, bank):
    source = _block(student)
    services.block_end(user=student, public_id=source.public_id)
    client.force_login(student)

    page = client.get(reverse("blocks:new"), {"from": str(source.public_id), "pick": "incorrect"})

    assert page.context["form"].initial == {}
    assert [str(m) for m in page.context["messages"]] == [
        "That block has no incorrect questions to practise again."
    ]


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ("VQ-000001, chest pain", "Not a question id: CHEST, PAIN. Ids look like VQ-000123."),
        (
            " ".join(f"VQ-{n:06d}" for n in range(1, 42)),
            "A block holds at most 40 questions; this list has 41.",
        ),
        ("VQ-999999", "VQ-999999: no published question with this id."),
    ],
)
def test_new_block_page_refuses_a_bad_custom_list_and_creates_nothing(
    client, student, bank, ids, message
):
    client.force_login(student)

    response = client.post(
        reverse("blocks:new"),
        {"clock": "timed", "feedback": "exam", "count": 40, "question_ids": ids},
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"question_ids": [message]}
    assert Block.objects.count() == 0


def test_new_block_page_needs_a_pool_or_a_list(client, student, bank):
    client.force_login(student)

    response = client.post(
        reverse("blocks:new"), {"clock": "timed", "feedback": "exam", "count": 4}
    )

    assert response.context["form"].errors == {
        "pools": ["Choose at least one pool, or list question ids below."]
    }
    assert Block.objects.count() == 0


def test_delete_and_new_pass_from_history(client, student, bank):
    block = _block(student)
    client.force_login(student)

    client.post(reverse("blocks:delete", args=[block.public_id]))
    client.post(reverse("blocks:new_pass"))

    student.refresh_from_db()
    assert Block.objects.get().deleted_at is not None
    assert student.current_pass == 2
    assert client.get(reverse("blocks:history")).context["rows"] == []


def test_other_students_block_pages_are_404(client, student, other_student, bank):
    block = _block(student)
    client.force_login(other_student)

    responses = [
        client.get(reverse("blocks:take", args=[block.public_id, 1])),
        client.get(reverse("blocks:end", args=[block.public_id])),
        client.get(reverse("blocks:results", args=[block.public_id])),
        client.get(reverse("blocks:review", args=[block.public_id, 1])),
        client.post(reverse("blocks:delete", args=[block.public_id])),
    ]

    assert [r.status_code for r in responses[:4]] == [404, 404, 404, 404]
    assert Block.objects.get().deleted_at is None


def test_take_and_review_pages_show_the_students_answer(client, student, bank):
    block = _block(student)
    client.force_login(student)
    client.post(
        reverse("blocks:take", args=[block.public_id, 1]),
        {"answer": ["", "B"], "move": "next"},
    )

    taking = client.get(reverse("blocks:take", args=[block.public_id, 1])).content.decode()
    services.block_end(user=student, public_id=block.public_id)
    review = client.get(reverse("blocks:review", args=[block.public_id, 1])).content.decode()

    assert '<input type="radio" name="answer" value="B" checked>' in taking
    assert '<input type="radio" name="answer" value="B" checked disabled>' in review
    assert "Incorrect · your answer" in review
    assert 'class="option option--chosen" data-letter="B"' in review


def test_one_item_rendering_serves_preview_exam_and_review(client, student, editor, bank):
    block = _block(student)
    item = block.items.select_related("question", "version").first()
    client.force_login(editor)
    preview = client.get(reverse("questions:detail", args=[item.question.public_id]))
    client.force_login(student)
    exam = client.get(reverse("blocks:take", args=[block.public_id, 1]))
    services.block_end(user=student, public_id=block.public_id)
    review = client.get(reverse("blocks:review", args=[block.public_id, 1]))

    revealed = render_item(item.version, reveal=True)
    assert preview.context["item_html"] == review.context["item_html"] == revealed
    assert exam.context["item_html"] == render_item(item.version, reveal=False)
    assert revealed in review.content.decode()


def test_exam_service_worker_is_served_under_blocks_for_its_scope(client):
    response = client.get(reverse("blocks:exam_service_worker"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript"
    assert response["Cache-Control"] == "no-cache"
    assert b'self.addEventListener("fetch"' in response.content
    assert reverse("blocks:exam_service_worker") == "/blocks/exam-sw.js"
