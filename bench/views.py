"""Baseline views for benchmarks: the least an endpoint doing the same job could do."""

from django.db import connection
from django.shortcuts import render
from django.utils import timezone
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import ApiTokenAuthentication
from apps.blocks.models import Block, BlockItem
from apps.core.access import login_required
from apps.questions.rendering import render_item

CREATE = {
    "postgresql": """
        CREATE TABLE IF NOT EXISTS bench_upsert (
            user_id bigint NOT NULL,
            block uuid NOT NULL,
            position smallint NOT NULL,
            answer varchar(1) NOT NULL,
            updated_at timestamp with time zone NOT NULL,
            PRIMARY KEY (user_id, block, position))""",
    "sqlite": """
        CREATE TABLE IF NOT EXISTS bench_upsert (
            user_id integer NOT NULL,
            block char(32) NOT NULL,
            position smallint NOT NULL,
            answer varchar(1) NOT NULL,
            updated_at datetime NOT NULL,
            PRIMARY KEY (user_id, block, position))""",
}

UPSERT = """
    INSERT INTO bench_upsert (user_id, block, position, answer, updated_at)
    VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT (user_id, block, position)
    DO UPDATE SET answer = excluded.answer, updated_at = excluded.updated_at"""


def upsert_table_create() -> None:
    with connection.cursor() as cursor:
        cursor.execute(CREATE[connection.vendor])


class UpsertApi(APIView):
    """The same request as the change endpoint, authenticated the same way; one upsert."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    def post(self, request, public_id):
        change = request.data["changes"][0]
        row = [request.user.pk, public_id.hex, change["position"], change["value"], timezone.now()]
        with connection.cursor() as cursor:
            cursor.execute(UPSERT, row)
        return Response({"status": "ok"})


@login_required
def static_exam(request, public_id):
    """The exam page's baseline: a static page as large as the exam page and the block's data
    together, every item already in the HTML, no script."""
    block = Block.objects.get(public_id=public_id, user=request.user)
    items = BlockItem.objects.filter(block=block).select_related("version").order_by("position")
    body = "".join(render_item(item.version, reveal=False) for item in items)
    return render(request, "bench/static_exam.html", {"body": body})
