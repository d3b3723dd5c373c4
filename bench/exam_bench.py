"""The exam page on a cheap laptop: Chromium's CPU throttled 4x, each figure against a baseline
measured in the same run.

(a) Time until the first item of a 40-item block can be answered (the page's own mark, after
    it has fetched the block through the API and drawn the item), against the load of a static
    HTML page as large as the exam page and the block's data together, with every item already
    in it, from the same server. Target: at most 2x.
(b) Moving to the next item: the time from the click to the next frame, and the requests for
    content it sends (target: none; saving the time spent on an item is not content).

    python -m bench.exam_bench                    # SQLite, a throwaway database
    DATABASE_URL=postgresql://... python -m bench.exam_bench
"""

import argparse
import os
import statistics

from bench.harness import Figure, report, setup_django, throwaway_database
from bench.profiles import PROFILES, typical_usernames

TARGET = 2.0
CPU_SLOWDOWN = 4
ITEMS = 40
PASSWORD = "bench-exam-password-7c1d"  # noqa: S105  a throwaway database's throwaway user
CHROMIUM = os.environ.get("VIGNETTE_CHROMIUM", "/usr/bin/chromium")
HOST_RULES = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"

FIRST_ITEM = """() => performance.getEntriesByName("vignette:first-item")[0]?.startTime ?? null"""
LOADED = """() => document.readyState === "complete"
    ? performance.getEntriesByType("navigation")[0].loadEventEnd : null"""
# Click Next and wait for the frame that shows the next item; milliseconds each time.
MOVES = """async (count) => {
    const times = [];
    for (let i = 0; i < count; i += 1) {
        const started = performance.now();
        document.querySelector("[data-action=next]").click();
        await new Promise((resolve) => requestAnimationFrame(() => resolve()));
        times.push(performance.now() - started);
    }
    return times;
}"""


def _student_with_block():
    from apps.accounts.models import User
    from apps.blocks.services import BlockSpec, block_create

    user = User.objects.get(username=typical_usernames(PROFILES["tiny"])[0])
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    block = block_create(user=user, spec=BlockSpec(count=ITEMS, pools=("all",)))
    return user, block


def _timed_load(context, url: str, script: str) -> float:
    """Milliseconds a fresh page of the context takes to reach the script's answer."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    page.goto(url)
    handle = page.wait_for_function(script, timeout=60_000)
    milliseconds = handle.json_value()
    page.close()
    return milliseconds


def _figures(url: str, user, block, runs: int) -> list[Figure]:
    from playwright.sync_api import sync_playwright

    exam_url = f"{url}/blocks/{block.public_id}/"
    static_url = f"{url}/bench/static-exam/{block.public_id}/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[HOST_RULES])
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto(f"{url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{url}/**")
        page.close()
        exam, static = [], []
        for run in range(runs + 1):
            # Alternating which goes first; the first pair warms the server and is dropped.
            pair = [(exam, exam_url, FIRST_ITEM), (static, static_url, LOADED)]
            for times, target, script in pair if run % 2 == 0 else reversed(pair):
                milliseconds = _timed_load(context, target, script)
                if run:
                    times.append(milliseconds)
        moves, content_requests = _moves(context, exam_url)
        browser.close()
    first, baseline = statistics.median(exam), statistics.median(static)
    ratio = first / baseline
    print(
        f"(a) first item interactive, {ITEMS} items, CPU {CPU_SLOWDOWN}x slower: median "
        f"{first:.0f} ms; static page of the same size {baseline:.0f} ms"
    )
    print(
        f"(b) next item: median {statistics.median(moves):.1f} ms, max {max(moves):.1f} ms over "
        f"{len(moves)} moves; {content_requests} content requests"
    )
    return [
        Figure(
            name=f"first item interactive ({ITEMS} items, CPU {CPU_SLOWDOWN}x throttled)",
            seconds=first / 1000,
            baseline="static HTML page of the same size, same server",
            baseline_seconds=baseline / 1000,
            target=f"<= {TARGET:g}x",
            ratio=ratio,
            passed=ratio <= TARGET,
            detail={"exam_ms": exam, "static_ms": static, "runs": runs},
        ),
        Figure(
            name="move to the next item (no request for content)",
            seconds=statistics.median(moves) / 1000,
            baseline="one animation frame at 60 Hz",
            baseline_seconds=1 / 60,
            target="0 content requests",
            ratio=statistics.median(moves) / (1000 / 60),
            passed=content_requests == 0,
            detail={"moves_ms": [round(m, 1) for m in moves], "content_requests": content_requests},
        ),
    ]


def _moves(context, exam_url: str) -> tuple[list[float], int]:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    page.goto(exam_url)
    page.wait_for_function(FIRST_ITEM, timeout=60_000)
    requests = []
    page.on("request", lambda request: requests.append(request))
    moves = page.evaluate(MOVES, ITEMS - 1)
    page.close()
    # Saving the time spent on each item is a POST of changes; content would be anything else.
    content = [r for r in requests if not (r.method == "POST" and r.url.endswith("/changes/"))]
    return moves, len(content)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="page loads of each kind")
    arguments = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop, our ORM
    setup_django()
    from django.db import connection

    from bench import server
    from bench.generator import build

    with throwaway_database(f"test_bench_exam_{os.getpid()}"):
        build("tiny")
        user, block = _student_with_block()
        print(f"{connection.vendor} database; a {ITEMS}-item block for {user.username}")
        with server.gunicorn(workers=2) as url:
            figures = _figures(url, user, block, arguments.runs)
        report(figures, name="exam")


if __name__ == "__main__":
    main()
