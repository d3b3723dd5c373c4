"""Screenshots of the exam interface for the README: `make screenshots`.

Builds a throwaway SQLite database with the starter bank and the demo student, serves the app
in a thread, and drives Debian's Chromium with Playwright through a block: the block page in
light, dark and high-contrast colors and on a phone, the lab values and the calculator, and
review. Writes PNG files into docs/screenshots/.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("VIGNETTE_CHROMIUM", "/usr/bin/chromium")
HOST_RULES = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _data():
    """The demo student, an open block of 5 items with some work done, and an ended block."""
    from datetime import UTC, datetime
    from uuid import uuid4

    from django.core.management import call_command

    from apps.accounts.models import User
    from apps.accounts.services import demo_accounts_ensure
    from apps.blocks import services
    from apps.blocks.changes import IncomingChange

    call_command("load_starter_bank", verbosity=0)
    password = next(a.password for a in demo_accounts_ensure(new_passwords=True))
    student = User.objects.get(username="student")
    now = datetime.now(UTC)

    def work(block, *changes):
        services.changes_apply(
            user=student,
            public_id=block.public_id,
            changes=[IncomingChange(uuid4(), p, f, v, now) for p, f, v in changes],
            client_now=now,
        )

    taking = services.block_create(
        user=student, spec=services.BlockSpec(count=5, feedback="exam", pools=("all",))
    )
    work(taking, (1, "answer", "B"), (2, "answer", "C"), (2, "marked", True), (1, "struck", ["A"]))
    reviewed = services.block_create(
        user=student, spec=services.BlockSpec(count=5, feedback="tutor", pools=("all",))
    )
    work(reviewed, (1, "answer", "A"), (2, "answer", "B"), (3, "answer", "C"))
    services.block_end(user=student, public_id=reviewed.public_id)
    return password, taking, reviewed


def _shots(url: str, password: str, taking, reviewed) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []

    def save(page, name):
        path = OUT / f"{name}.png"
        page.screenshot(path=str(path))
        written.append(path)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[HOST_RULES])
        for name, options in (
            ("desktop", {"viewport": DESKTOP}),
            ("phone", {"viewport": PHONE, "has_touch": True, "is_mobile": True}),
        ):
            context = browser.new_context(**options)
            page = context.new_page()
            page.goto(f"{url}/accounts/login/")
            page.get_by_label("Username").fill("student")
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Log in").click()
            page.goto(f"{url}/blocks/{taking.public_id}/")
            page.get_by_role("heading", name="Item 1 of 5").wait_for()
            page.get_by_role("status").filter(has_text="All changes saved").wait_for()
            if name == "phone":
                save(page, "block-phone")
                context.close()
                continue
            save(page, "block-light")
            for scheme in ("Dark", "High contrast"):
                page.keyboard.press("s")
                page.get_by_role("button", name=f"Colors: {scheme}").wait_for()
                save(page, f"block-{scheme.lower().replace(' ', '-')}")
            page.keyboard.press("s")  # back to light
            page.keyboard.press("l")
            page.get_by_label("Search lab values").fill("sodium")
            save(page, "lab-values")
            page.keyboard.press("Escape")
            page.keyboard.press("k")
            page.keyboard.type("138-104-24")
            page.keyboard.press("Enter")
            save(page, "calculator")
            page.keyboard.press("Escape")
            page.goto(f"{url}/blocks/{reviewed.public_id}/?item=2")
            page.get_by_role("heading", name="Explanation").wait_for()
            save(page, "review")
            context.close()
        browser.close()
    return written


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop, our ORM
    from bench.harness import setup_django, throwaway_database

    setup_django()
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    OUT.mkdir(parents=True, exist_ok=True)
    with throwaway_database():
        password, taking, reviewed = _data()
        server = LiveServerThread("localhost", StaticFilesHandler, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        try:
            written = _shots(f"http://localhost:{server.port}", password, taking, reviewed)
        finally:
            server.terminate()
    for path in written:
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
