import csv
from collections.abc import Iterable, Sequence
from itertools import chain

from django.conf import settings
from django.http import StreamingHttpResponse


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the entry our own proxies added to X-Forwarded-For.

    Only the last VIGNETTE_PROXY_COUNT entries were written by trusted proxies; anything to
    their left is whatever the client chose to send.
    """
    count = settings.VIGNETTE_PROXY_COUNT
    if count:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")


class _Echo:
    """A file-like that hands back what csv.writer writes, for a streamed response."""

    def write(self, value: str) -> str:
        return value


def csv_download(
    header: Sequence, rows: Iterable[Sequence], filename: str
) -> StreamingHttpResponse:
    """Stream `header` then `rows` as a CSV attachment, one row at a time."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in chain([header], rows)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
