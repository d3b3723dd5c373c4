"""During an open exam-feedback block, nothing that reveals an answer reaches the student:
not in any API response, page, or script the student's browser would load."""

import posixpath
import re
import uuid
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from apps.blocks.models import Block
from apps.questions.formats.base import OptionDraft
from apps.questions.models import VersionStatistics
from tests.blocks.conftest import publish

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

SECRET = "LEAK-SENTINEL-9c1e"
PEER_RESPONSES = 31337
# What only an answered item may show: explanations, objective, references, peers...
DATA = [SECRET, str(PEER_RESPONSES), "4242"]
# ...and the marks of a revealed key in a page or a response. Static scripts are the same for
# every student and block, so they may name these marks (to draw a review) but hold no data.
MARKS = ["option--correct", "Correct answer", '"key"']
FORBIDDEN = DATA + MARKS


@pytest.fixture
def secrets(editor):
    questions = []
    for n in range(3):
        options = [
            OptionDraft(f"Choice {letter}{n}", f"{SECRET} {letter}", letter == "D")
            for letter in "ABCDE"
        ]
        question = publish(
            editor,
            stem=f"Vignette {n}.",
            options=options,
            explanation=f"{SECRET} explanation",
            objective=f"{SECRET} objective",
            references=[f"{SECRET} reference"],
        )
        VersionStatistics.objects.create(
            version=question.published_version,
            responses=PEER_RESPONSES,
            correct=20000,
            option_counts={"A": 1000, "B": 2000, "C": 3000, "D": 20000, "E": 5337},
            median_seconds=4242.0,
            computed_at=timezone.now(),
        )
        questions.append(question)
    return questions


def _scripts(html: str) -> list[str]:
    """The static scripts a page loads, and the modules they import, read from disk as the
    browser would fetch them."""
    pending = re.findall(r'<script[^>]+src="/static/([^"]+)"', html)
    seen: dict[str, str] = {}
    while pending:
        source = pending.pop()
        if source in seen:
            continue
        seen[source] = Path(finders.find(source)).read_text(encoding="utf-8")
        folder = posixpath.dirname(source)
        for imported in re.findall(r'from "(\./[^"]+)";', seen[source]):
            pending.append(posixpath.normpath(posixpath.join(folder, imported)))
    return list(seen.values())


def test_leak_scan_of_an_open_exam_block(client, student, secrets):
    client.force_login(student)
    created = client.post(
        reverse("blocks"), {"count": 3, "feedback": "exam"}, content_type="application/json"
    )
    block_id = created.json()["public_id"]
    now = timezone.now().isoformat()
    bodies = [created.content.decode()]

    def change(field, value, position=1):
        body = {
            "client_now": now,
            "changes": [
                {
                    "id": str(uuid.uuid4()),
                    "position": position,
                    "field": field,
                    "value": value,
                    "client_time": now,
                }
            ],
        }
        return client.post(
            reverse("block_changes", args=[block_id]), body, content_type="application/json"
        )

    for position in (1, 2, 3):
        bodies.append(change("answer", "D", position).content.decode())
    bodies.append(change("submit", "D").content.decode())
    for name, args in [
        ("block", [block_id]),
        ("blocks", []),
        ("block_counts", []),
        ("me", []),
        ("block_suspend", None),
    ]:
        if args is None:
            response = client.post(reverse(name, args=[block_id]))
        else:
            response = client.get(reverse(name, args=args))
        bodies.append(response.content.decode())
    pages = [
        reverse("blocks:history"),
        reverse("blocks:new"),
        reverse("blocks:end", args=[block_id]),
        reverse("blocks:results", args=[block_id]),
        reverse("blocks:review", args=[block_id, 1]),
        *(reverse("blocks:take", args=[block_id, n]) for n in (1, 2, 3)),
        reverse("blocks:exam", args=[block_id]),
        reverse("home"),
    ]
    scripts = []
    for url in pages:
        page = client.get(url, follow=True)
        assert page.status_code == 200, url
        html = page.content.decode()
        bodies.append(html)
        scripts += _scripts(html)

    assert Block.objects.get().status == "open"
    assert any("export class Outbox" in script for script in scripts)  # the exam's modules too
    found = {word for body in bodies for word in FORBIDDEN if word in body}
    found |= {word for script in scripts for word in DATA if word in script}
    assert found == set()


def test_leak_scan_control_the_same_block_reveals_everything_once_ended(client, student, secrets):
    client.force_login(student)
    block_id = client.post(reverse("blocks"), {"count": 3}, content_type="application/json").json()[
        "public_id"
    ]

    ended = client.post(reverse("block_end", args=[block_id])).content.decode()
    review = client.get(reverse("blocks:review", args=[block_id, 1])).content.decode()

    assert {word for word in FORBIDDEN if word in ended + review} == set(FORBIDDEN)
