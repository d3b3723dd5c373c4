"""An example Vignette client that uses only the public REST API (/api/v1/).

It signs in with a personal API token, creates a timed block, answers every item (marking
every second one), ends the block and prints the review and the score. It needs nothing but
the Python standard library (3.11 or later).

Usage:

    python examples/vignette_client.py --url http://127.0.0.1:8000 --token vgt_... --count 3

    # or, with the URL and the token in the environment:
    export VIGNETTE_URL=http://127.0.0.1:8000 VIGNETTE_TOKEN=vgt_...
    python examples/vignette_client.py --count 3

Create the token on your settings page (/accounts/settings/, "API tokens"). An API error
is printed as its code and message (and any field errors), and the client exits with 1.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

API = "/api/v1"
TIMEOUT_SECONDS = 30


class ApiError(Exception):
    """An error answer from the server, in its `{"error": {...}}` shape, or no answer at all."""

    def __init__(
        self,
        *,
        status: int | None,
        code: str,
        message: str,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}

    def lines(self) -> list[str]:
        """The error as readable lines, field errors one per line."""
        where = f"HTTP {self.status}, " if self.status else ""
        lines = [f"Error ({where}{self.code}): {self.message}"]
        for name, messages in self.fields.items():
            lines += [f"  {name}: {message}" for message in messages]
        return lines


# --- HTTP -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    """The server's base URL and a personal API token."""

    base_url: str
    token: str
    timeout: float = TIMEOUT_SECONDS
    user_agent: str = "vignette-example-client/1.0"

    def get(self, path: str) -> dict[str, Any]:
        return self.request("GET", path)

    def post(
        self, path: str, body: dict[str, Any] | None = None, *, idempotent: bool = False
    ) -> dict[str, Any]:
        """POST `body` as JSON; with `idempotent`, under a fresh Idempotency-Key, so that a
        retry of this very request (same key) could never act twice."""
        headers = {"Idempotency-Key": str(uuid.uuid4())} if idempotent else {}
        return self.request("POST", path, body, headers=headers)

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Send one request and return the decoded JSON answer, or raise ApiError."""
        request = urllib.request.Request(  # noqa: S310 -- the scheme is checked in parse_args.
            self.base_url + API + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": self.user_agent,
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise error_from_response(error.code, error.read()) from None
        except OSError as error:  # URLError, a refused connection, a timeout
            reason = getattr(error, "reason", None) or error
            raise ApiError(
                status=None, code="unreachable", message=f"Cannot reach {self.base_url}: {reason}"
            ) from None
        except json.JSONDecodeError:
            raise ApiError(
                status=None, code="bad_response", message="The server did not answer in JSON."
            ) from None


def error_from_response(status: int, raw: bytes) -> ApiError:
    """The ApiError for an error answer; one that is not in the error shape is shown as text."""
    try:
        error = json.loads(raw)["error"]
        return ApiError(
            status=status,
            code=str(error["code"]),
            message=str(error["message"]),
            fields=error.get("fields") or {},
        )
    except (ValueError, KeyError, TypeError):
        text = raw.decode("utf-8", "replace").strip()[:200] or "(empty body)"
        return ApiError(status=status, code="http_error", message=text)


# --- The API calls --------------------------------------------------------------------------


def utc_now() -> str:
    """The current time in ISO-8601 UTC, as the changes endpoint expects."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def me(client: Client) -> dict[str, Any]:
    return client.get("/me/")


def block_create(client: Client, *, count: int) -> dict[str, Any]:
    """A new timed block in exam mode, drawn from every question in the bank."""
    body = {"count": count, "clock": "timed", "feedback": "exam", "pools": ["all"]}
    return client.post("/blocks/", body, idempotent=True)


def block_changes(client: Client, public_id: str, changes: list[dict[str, Any]]) -> dict[str, Any]:
    """Send the changes as one batch; each has its own id, so that a resend is a no-op."""
    body = {"client_now": utc_now(), "changes": changes}
    return client.post(f"/blocks/{public_id}/changes/", body)


def block_end(client: Client, public_id: str) -> dict[str, Any]:
    """End the block; the answer is the whole block with its score and every item's review."""
    return client.post(f"/blocks/{public_id}/end/", idempotent=True)


# --- What to answer -------------------------------------------------------------------------


def change(position: int, field_name: str, value: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "position": position,
        "field": field_name,
        "value": value,
        "client_time": utc_now(),
    }


def choose_answer(item: dict[str, Any]) -> str:
    """A stand-in for a student: the options in turn, item after item."""
    letters = [option["letter"] for option in item["options"]]
    return letters[(item["position"] - 1) % len(letters)]


def answer_changes(block: dict[str, Any]) -> list[dict[str, Any]]:
    """An answer for every item, and a mark on every second one."""
    changes = []
    for item in block["items"]:
        changes.append(change(item["position"], "answer", choose_answer(item)))
        if item["position"] % 2 == 0:
            changes.append(change(item["position"], "marked", True))
    return changes


# --- Printing -------------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """The text of an HTML fragment, tags dropped and whitespace collapsed."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return " ".join("".join(extractor.parts).split())


def whoami_line(user: dict[str, Any]) -> str:
    roles = ", ".join(user["roles"]) or "none"
    return f"Signed in as {user['username']} <{user['email']}> (roles: {roles})"


def saved_line(result: dict[str, Any]) -> str:
    outcomes: dict[str, int] = {}
    for entry in result["results"]:
        outcomes[entry["outcome"]] = outcomes.get(entry["outcome"], 0) + 1
    counted = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
    return f"Saved {len(result['results'])} changes ({counted}); {seconds_left_text(result)}"


def seconds_left_text(data: dict[str, Any]) -> str:
    left = data.get("seconds_left")
    return "untimed" if left is None else f"{left} s left"


def review_lines(block: dict[str, Any]) -> list[str]:
    """One line per item: position, question, answer, key, right or wrong; then its objective."""
    lines = []
    for item in block["items"]:
        review = item["review"]
        answer = item["state"]["answer"] or "-"
        verdict = "right" if review["correct"] else ("omitted" if answer == "-" else "wrong")
        lines.append(
            f"{item['position']}. {item['question']}  answer {answer}  key {review['key']}  "
            f"{verdict}"
        )
        lines.append(f"   Objective: {plain_text(review['objective_html'])}")
    return lines


def score_line(score: dict[str, int]) -> str:
    return (
        f"Score: {score['correct']} correct, {score['incorrect']} incorrect, "
        f"{score['omitted']} omitted, {score['time_used_seconds']} s used"
    )


# --- The command ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Take a short Vignette block through the REST API and print its review."
    )
    parser.add_argument(
        "--url",
        default=os.environ.get("VIGNETTE_URL", ""),
        help="the server, such as http://127.0.0.1:8000 (default: $VIGNETTE_URL)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("VIGNETTE_TOKEN", ""),
        help="a personal API token, vgt_... (default: $VIGNETTE_TOKEN)",
    )
    parser.add_argument("--count", type=int, default=3, help="questions in the block (default 3)")
    args = parser.parse_args(argv)
    if urllib.parse.urlsplit(args.url).scheme not in ("http", "https"):
        parser.error("give the server as an http:// or https:// URL (--url or $VIGNETTE_URL)")
    if not args.token:
        parser.error("give a personal API token (--token or $VIGNETTE_TOKEN)")
    if args.count < 1:
        parser.error("--count must be at least 1")
    args.url = args.url.rstrip("/")
    return args


def run(client: Client, *, count: int) -> None:
    """Who am I, a new block, every item answered, the end, the review."""
    print(whoami_line(me(client)))

    block = block_create(client, count=count)
    public_id = block["public_id"]
    print(f"Block {public_id}: {block['item_count']} items, {seconds_left_text(block)}")

    print(saved_line(block_changes(client, public_id, answer_changes(block))))

    ended = block_end(client, public_id)
    print(f"Block {public_id} is {ended['status']}.")
    for line in review_lines(ended):
        print(line)
    print(score_line(ended["score"]))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        run(Client(base_url=args.url, token=args.token), count=args.count)
    except ApiError as error:
        for line in error.lines():
            print(line, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
