import pytest
from django.urls import reverse

from apps.accounts.models import Role
from apps.analytics import services
from apps.analytics.selectors import Basis, performance
from apps.analytics.statistics import kr20
from apps.blocks import services as block_services
from apps.blocks.services import BlockSpec
from tests.blocks.conftest import CLIENT_NOW, change
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def _take(user, answers: str, **spec):
    """A block of len(answers) items answered with these letters ("-" leaves one omitted); the
    bank's keys are all A."""
    block = block_services.block_create(
        user=user, spec=BlockSpec(**{"count": len(answers), "pools": ("all",), **spec})
    )
    changes = [change(n, "answer", a) for n, a in enumerate(answers, start=1) if a != "-"]
    if changes:
        block_services.changes_apply(
            user=user, public_id=block.public_id, changes=changes, client_now=CLIENT_NOW
        )
    block_services.block_end(user=user, public_id=block.public_id)
    services.report_recompute(user_id=user.pk)


def test_performance_gives_counts_and_a_wilson_interval(student, bank):
    _take(student, "AAAB-B")

    report = performance(user=student, basis=Basis())

    overall = report["overall"]
    assert (overall["seen"], overall["correct"], overall["incorrect"], overall["omitted"]) == (
        6,
        3,
        2,
        1,
    )
    assert overall["percent"] == 50.0
    assert overall["interval"] == [18.8, 81.2]
    assert report["basis_text"] == "Ended blocks, every pass, exam and tutor feedback."
    assert report["computing"] is False


def test_performance_keeps_tutor_apart_when_asked(student, bank):
    _take(student, "AA")
    _take(student, "BBB", feedback="tutor")

    exam_only = performance(user=student, basis=Basis(feedback="exam"))["overall"]
    tutor_only = performance(user=student, basis=Basis(feedback="tutor"))["overall"]

    assert (exam_only["seen"], exam_only["correct"]) == (2, 2)
    assert (tutor_only["seen"], tutor_only["correct"]) == (3, 0)


def test_percentile_rank_needs_enough_peers_with_enough_attempts(student, bank, settings):
    settings.VIGNETTE_PEER_MIN_ANSWERS = 4
    settings.VIGNETTE_PEER_MIN_STUDENTS = 3
    _take(student, "AAAB")  # 75%
    for answers in ("AABB", "ABBB", "AAB"):  # 50%, 25%, and too few attempts to count
        _take(UserFactory(roles=[Role.STUDENT]), answers)
    services.peers_rebuild()

    settings.VIGNETTE_PEER_MIN_STUDENTS = 4
    too_few = performance(user=student, basis=Basis())["overall"]
    settings.VIGNETTE_PEER_MIN_STUDENTS = 3
    ranked = performance(user=student, basis=Basis())["overall"]

    assert (too_few["percentile"], too_few["peers"]) == (None, 3)
    assert too_few["percentile_note"] == "A rank needs 4 peers with 4 first attempts; there are 3."
    assert ranked["percentile"] == pytest.approx(100 * (2 + 0.5) / 3, abs=0.1)
    assert ranked["percentile_note"] == "Among 3 peers with 4 or more first attempts."


def test_weakest_areas_are_the_lowest_by_the_top_of_their_interval(student, bank):
    # The six pathology/cardiovascular questions first, mostly wrong; the two renal right.
    ids = tuple(question.public_id for question in bank)
    _take(student, "BBBBBAAA", question_ids=ids, pools=())

    weakest = performance(user=student, basis=Basis())["weakest"]

    # Pathology and cardiovascular are the same six items (1 of 6): a tie, by name. The two
    # renal items are too few to judge.
    assert [(row["axis"], row["code"], row["interval"]) for row in weakest] == [
        ("system", "cardiovascular", [3.0, 56.4]),
        ("discipline", "pathology", [3.0, 56.4]),
    ]


def test_performance_api_answers_in_a_fixed_number_of_queries(
    api_as, student, bank, assert_statements
):
    _take(student, "AB")
    client = api_as(student)

    # session, user, report, due mark, cells, peer benchmarks, exam, discipline, system names
    with assert_statements(9):
        response = client.get(reverse("performance"), {"feedback": "exam", "first_pass": "true"})
    bad = client.get(reverse("performance"), {"feedback": "both"})

    assert response.status_code == 200
    assert response.json()["overall"]["seen"] == 2
    assert response.json()["basis"] == {"first_pass_only": True, "feedback": "exam"}
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {"feedback": ['"both" is not a valid choice.']}


def test_performance_page_shows_the_report_and_an_empty_state(client, student, bank):
    client.force_login(student)
    empty = client.get(reverse("analytics:performance"))
    _take(student, "AB")

    page = client.get(reverse("analytics:performance"), {"feedback": "exam"})

    assert b"No ended blocks count here yet." in empty.content
    assert page.context["report"]["overall"]["seen"] == 2
    assert b"95% interval" in page.content


def test_weakest_area_links_to_a_block_of_that_area(client, student, bank):
    ids = tuple(question.public_id for question in bank)
    _take(student, "BBBBBAAA", question_ids=ids, pools=())
    client.force_login(student)

    report = client.get(reverse("analytics:performance"))
    form = client.get(reverse("blocks:new"), {"systems": "cardiovascular"})

    assert b'href="/blocks/new/?systems=cardiovascular"' in report.content
    assert form.context["form"].initial == {
        "pools": ["unused", "incorrect"],
        "systems": ["cardiovascular"],
    }


def test_answers_csv_has_every_ended_item_of_the_student_only(client, student, other_student, bank):
    _take(student, "A-")
    _take(other_student, "B")
    client.force_login(student)

    response = client.get(reverse("analytics:answers_csv"))

    lines = b"".join(response.streaming_content).decode().splitlines()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert lines[0] == (
        "block_started,pass,clock,feedback,position,question,exam,discipline,system,answer,"
        "key,result,marked,seconds,first_attempt"
    )
    assert [line.split(",")[9:12] for line in lines[1:]] == [
        ["A", "A", "correct"],
        ["", "A", "omitted"],
    ]


def test_performance_page_draws_trends_with_their_numbers(client, student, bank):
    _take(student, "AB")
    _take(student, "AAB")
    client.force_login(student)

    page = client.get(reverse("analytics:performance"))

    [(title, rows, svg), (week_title, weeks, _)] = page.context["charts"]
    assert (title, [row["percent"] for row in rows]) == (
        "Percent correct per block",
        [50.0, 200 / 3],
    )
    assert week_title == "Percent correct per week"
    assert sum(row["items"] for row in weeks) == 5
    assert svg.count("<circle") == 2
    assert b"The numbers" in page.content


def test_reliability_page_gives_kr20_over_students_who_took_every_item(
    client, student, editor, bank
):
    ids = [q.public_id for q in bank[:3]]
    answers = {student: "AAA", editor: "ABB"}
    for n, letters in enumerate(("AAB", "BBB")):
        answers[UserFactory(roles=[Role.STUDENT], username=f"peer{n}")] = letters
    for user, letters in answers.items():
        _take(user, letters, question_ids=tuple(ids), pools=())
    _take(UserFactory(roles=[Role.STUDENT]), "A", question_ids=(ids[0],), pools=())  # not all
    client.force_login(editor)

    page = client.get(reverse("analytics:reliability"), {"questions": " ".join(ids)})
    refused = client.get(reverse("analytics:reliability"), {"questions": "VQ-1 banana"})

    matrix = [[int(a == "A") for a in letters] for letters in ("AAA", "ABB", "AAB", "BBB")]
    assert page.context["result"] == {
        "items": 3,
        "students": 4,
        "kr20": pytest.approx(kr20(matrix)),
    }
    assert refused.context["form"].errors == {"questions": ["Not a question id: banana."]}
