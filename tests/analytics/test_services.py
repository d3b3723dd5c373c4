import numpy as np
import pytest

from apps.accounts.models import Role
from apps.analytics import services
from apps.analytics.models import Report, ReportCell
from apps.analytics.tasks import nightly_rebuild_task, reports_reconcile_task
from apps.blocks import services as block_services
from apps.blocks.models import ReportDue
from apps.blocks.services import BlockSpec
from tests.blocks.conftest import CLIENT_NOW, change
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def _ended(student, *changes, **spec):
    block = block_services.block_create(user=student, spec=BlockSpec(**{"count": 3, **spec}))
    if changes:
        block_services.changes_apply(
            user=student, public_id=block.public_id, changes=list(changes), client_now=CLIENT_NOW
        )
    return block_services.block_end(user=student, public_id=block.public_id)


def _cells(student) -> dict[tuple, tuple]:
    return {
        (c.axis, c.code, c.first_pass, c.feedback): (
            c.seen,
            c.correct,
            c.incorrect,
            c.omitted,
            c.first_attempts,
            c.first_correct,
            c.seconds,
        )
        for c in ReportCell.objects.filter(user=student)
    }


def test_report_counts_every_axis_and_keeps_tutor_apart(student, bank):
    # The bank: six pathology/cardiovascular questions, two physiology/renal; keys are A.
    _ended(
        student,
        change(1, "answer", "A"),
        change(1, "time_spent", 50),
        change(2, "answer", "B"),
        change(2, "time_spent", 70),
        pools=("all",),
        count=8,
    )
    _ended(student, change(1, "answer", "A"), feedback="tutor", pools=("all",), count=2)

    report = services.report_recompute(user_id=student.pk)

    cells = _cells(student)
    assert report.items == 10
    assert cells[("overall", "", True, "exam")] == (8, 1, 1, 6, 8, 1, 120)
    assert cells[("overall", "", True, "tutor")] == (2, 1, 0, 1, 0, 0, 0)
    exam_cells = {k: v for k, v in cells.items() if k[0] == "exam" and k[3] == "exam"}
    assert exam_cells == {("exam", "step1", True, "exam"): (8, 1, 1, 6, 8, 1, 120)}
    systems = {k[1]: v[0] for k, v in cells.items() if k[0] == "system" and k[3] == "exam"}
    assert systems == {"cardiovascular": 6, "renal-urinary": 2}


def test_report_recompute_twice_gives_the_same_rows(student, bank):
    _ended(student, change(1, "answer", "A"), change(2, "answer", "C"))

    services.report_recompute(user_id=student.pk)
    first = _cells(student)
    services.report_recompute(user_id=student.pk)

    assert _cells(student) == first
    assert ReportCell.objects.filter(user=student).count() == len(first)


def test_ending_a_block_recomputes_the_report_after_commit(
    student, bank, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _ended(student, change(1, "answer", "A"))

    assert len(callbacks) == 1
    assert Report.objects.get(user=student).items == 3
    assert ReportDue.objects.count() == 0


def test_a_lost_recompute_is_caught_up_by_the_reconcile(student, bank):
    _ended(student, change(1, "answer", "A"))  # its on-commit message never runs here
    assert ReportDue.objects.filter(user=student).exists()
    assert not Report.objects.filter(user=student).exists()

    reports_reconcile_task()

    assert Report.objects.get(user=student).items == 3
    assert ReportDue.objects.count() == 0


def test_deleting_a_block_takes_it_out_of_the_report(student, bank):
    kept = _ended(student, change(1, "answer", "A"))
    deleted = _ended(student, change(1, "answer", "B"))
    services.report_recompute(user_id=student.pk)

    block_services.block_delete(user=student, public_id=deleted.public_id)
    reports_reconcile_task()

    assert Report.objects.get(user=student).items == kept.item_count
    assert _cells(student)[("overall", "", True, "exam")][:4] == (3, 1, 0, 2)


def test_a_block_ending_during_a_recompute_keeps_its_mark(student, bank, time_machine):
    time_machine.move_to("2026-11-25 10:00:00Z", tick=False)
    _ended(student)
    time_machine.move_to("2026-11-25 10:05:00Z", tick=False)
    ReportDue.objects.filter(user=student).update(since="2026-11-25T10:06:00Z")

    services.report_recompute(user_id=student.pk)

    assert ReportDue.objects.filter(user=student).exists()


@pytest.mark.services
def test_ending_a_block_with_the_broker_down_succeeds_and_leaves_the_report_due(
    student, bank, private_redis, django_capture_on_commit_callbacks, caplog
):
    """The broker is a Redis that is not running: the queueing fails at once and is logged;
    the block is ended and its report waits, marked due, for the reconcile."""
    from config.celery import app

    def use(**conf):
        app.conf.update(conf)
        # Connections already made (to the tests' broker) must not be reused.
        app._pool = None
        app.amqp._producer_pool = None

    private_redis.stop()
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    use(task_always_eager=False, broker_url=private_redis.url)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            block = _ended(student, change(1, "answer", "A"))
    finally:
        use(**saved)

    assert block.status == "ended"
    assert [r.getMessage() for r in caplog.records if r.name == "apps.core.tasks"] == [
        f"Could not queue analytics.report_recompute({student.pk},); it will be retried later."
    ]
    assert ReportDue.objects.filter(user=student).exists()
    assert not Report.objects.filter(user=student).exists()


def _take_in_order(user, bank, answers: str):
    """Every question of the bank, in the bank's order, answered with these letters (keys A)."""
    ids = tuple(question.public_id for question in bank[: len(answers)])
    return _ended(
        user,
        *[change(n, "answer", a) for n, a in enumerate(answers, start=1) if a != "-"],
        question_ids=ids,
        pools=(),
        count=len(answers),
    )


def test_version_statistics_come_from_first_attempts_in_the_first_pass(
    student, other_student, bank, settings
):
    settings.VIGNETTE_ITEM_MIN_P_RESPONSES = 2
    _take_in_order(student, bank, "AB")
    _take_in_order(other_student, bank, "CA")
    block_services.pass_start(user=student)
    _take_in_order(student, bank, "DD")  # a second pass: not a first attempt

    assert services.version_statistics_rebuild() == 2

    first, second = (q.published_version.statistics for q in bank[:2])
    assert (first.responses, first.correct, first.p_value) == (2, 1, 0.5)
    assert first.option_counts == {"A": 1, "B": 0, "C": 1, "D": 0}
    assert second.option_counts == {"A": 1, "B": 1, "C": 0, "D": 0}
    assert first.flags == ["non_functioning_distractor"]
    assert first.point_biserial is None  # below VIGNETTE_ITEM_MIN_RPB_RESPONSES


def test_version_point_biserials_match_numpy(student, bank, settings):
    settings.VIGNETTE_ITEM_MIN_P_RESPONSES = 3
    settings.VIGNETTE_ITEM_MIN_RPB_RESPONSES = 3
    students = [student, *(UserFactory(roles=[Role.STUDENT]) for _ in range(5))]
    answers = ["AAAA", "AABA", "BAAB", "BBAA", "CBBB", "ACBA"]
    for user, row in zip(students, answers, strict=True):
        _take_in_order(user, bank, row)

    services.version_statistics_rebuild()

    scores = np.array([[1.0 if a == "A" else 0.0 for a in row] for row in answers])
    for item, question in enumerate(bank[:4]):
        rest = (scores.sum(axis=1) - scores[:, item]) / 3 * 100
        expected = np.corrcoef(scores[:, item], rest)[0, 1]
        stats = question.published_version.statistics
        assert stats.point_biserial == pytest.approx(expected)
        chose_b = np.array([1.0 if row[item] == "B" else 0.0 for row in answers])
        assert stats.option_point_biserials["B"] == pytest.approx(np.corrcoef(chose_b, rest)[0, 1])


def test_review_shows_peer_shares_once_enough_students_answered(
    student, other_student, bank, settings
):
    from apps.blocks import selectors as block_selectors

    settings.VIGNETTE_PEER_MIN_RESPONSES = 2
    block = _take_in_order(student, bank, "AB")
    _take_in_order(other_student, bank, "CA")
    services.version_statistics_rebuild()

    item = block_selectors.block_items(block).get(position=1)
    peers = block_selectors.peer_answers(item)

    assert peers == {
        "shown": True,
        "reason": "",
        "responses": 2,
        "options": {"A": 50, "B": 0, "C": 50, "D": 0},
        "median_seconds": 0.0,
    }


def _all_cells() -> list[tuple]:
    return sorted(
        ReportCell.objects.values_list(
            "user_id",
            "axis",
            "code",
            "first_pass",
            "feedback",
            "seen",
            "correct",
            "omitted",
            "first_attempts",
            "first_correct",
            "seconds",
        )
    )


def test_per_student_updates_and_the_nightly_rebuild_give_the_same_numbers(
    student, other_student, bank, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _take_in_order(student, bank, "AB")
        _ended(student, change(1, "answer", "C"), change(2, "time_spent", 40), feedback="tutor")
        _take_in_order(other_student, bank, "BA-")
        deleted = _ended(other_student, change(1, "answer", "A"))
        block_services.block_delete(user=other_student, public_id=deleted.public_id)
    per_student = _all_cells()

    ReportCell.objects.all().delete()
    nightly_rebuild_task()

    assert _all_cells() == per_student
    assert len(per_student) > 10


def test_bank_list_shows_and_sorts_by_item_statistics(
    client, student, other_student, editor, bank, settings
):
    settings.VIGNETTE_ITEM_MIN_P_RESPONSES = 2
    _take_in_order(student, bank, "AB")
    _take_in_order(other_student, bank, "AA")
    services.version_statistics_rebuild()
    client.force_login(editor)

    hardest = client.get("/bank/", {"sort": "p"})

    listed = [q.public_id for q in hardest.context["page"].object_list]
    assert listed[:2] == [bank[1].public_id, bank[0].public_id]  # p 0.5, then 1.0
    assert b"Too easy (p &gt; 0.9)" in hardest.content
    assert b"A distractor under 5%" in hardest.content


def test_question_page_shows_its_statistics_to_editors(client, student, editor, bank, settings):
    settings.VIGNETTE_ITEM_MIN_P_RESPONSES = 1
    _take_in_order(student, bank, "B")
    services.version_statistics_rebuild()
    client.force_login(editor)

    page = client.get(f"/bank/{bank[0].public_id}/")

    assert page.context["statistics"].option_counts == {"A": 0, "B": 1, "C": 0, "D": 0}
    assert b"From 1 first attempts" in page.content
    assert b"Too hard (p &lt; 0.2)" in page.content


def test_a_newly_flagged_version_lands_once_in_the_editors_queue(
    client, student, editor, bank, settings
):
    from apps.questions.models import ErrorReport

    settings.VIGNETTE_ITEM_MIN_P_RESPONSES = 1
    _take_in_order(student, bank, "B")

    services.version_statistics_rebuild()
    services.version_statistics_rebuild()  # the same flags again: no second report

    report = ErrorReport.objects.get()
    assert (report.source, report.reporter, report.version_id) == (
        "statistics",
        None,
        bank[0].published_version_id,
    )
    assert report.note == (
        "The item statistics flagged this version: Too hard (p < 0.2); A distractor under "
        "5%. From 1 first attempts: p = 0.00, rpb = n/a, answers "
        "{'A': 0, 'B': 1, 'C': 0, 'D': 0}."
    )
    client.force_login(editor)
    assert b"from the item statistics" in client.get("/bank/reports/").content


def test_editors_download_item_statistics_as_csv(client, student, editor, bank, settings):
    settings.VIGNETTE_ITEM_MIN_P_RESPONSES = 1
    _take_in_order(student, bank, "B")
    services.version_statistics_rebuild()
    client.force_login(student)
    refused = client.get("/bank/statistics.csv")
    client.force_login(editor)

    response = client.get("/bank/statistics.csv")

    lines = b"".join(response.streaming_content).decode().splitlines()
    assert refused.status_code == 403
    assert lines == [
        "question,version,exam,discipline,system,responses,correct,p,rpb,median_seconds,flags,"
        "option_counts,option_rpbs",
        f"{bank[0].public_id},1,step1,pathology,cardiovascular,1,0,0.000,,0,"
        "too_hard non_functioning_distractor,A:0 B:1 C:0 D:0,",
    ]
