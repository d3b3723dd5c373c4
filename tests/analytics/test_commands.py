from io import StringIO

import pytest
from django.core.management import call_command

from apps.analytics.models import Report
from tests.analytics.test_services import _take_in_order

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def test_analytics_rebuild_command_does_the_nightly_work(student, bank):
    _take_in_order(student, bank, "AB")
    Report.objects.all().delete()
    out = StringIO()

    call_command("analytics_rebuild", stdout=out)

    assert out.getvalue() == (
        "Rebuilt 1 report(s), 4 peer benchmark(s) and the statistics of 2 question version(s).\n"
    )
    assert Report.objects.get(user=student).items == 2
