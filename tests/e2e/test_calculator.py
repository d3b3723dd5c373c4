"""The exam calculator widget (static/js/exam/calculator.js), run in Chromium without a server."""

from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, Route, expect

STATIC = Path(__file__).resolve().parents[2] / "static"
SOURCE = (STATIC / "js" / "exam" / "calculator.js").read_text()
CSP = "script-src 'self'; style-src 'self'"

# Accessible names of the keys, by what the test presses.
NAMES = {
    "+": "plus",
    "-": "minus",
    "*": "multiply",
    "/": "divide",
    "=": "equals",
    ".": "decimal point",
    "%": "percent",
    "neg": "change sign",
    "C": "clear",
    "CE": "clear entry",
    "back": "backspace",
    "MC": "memory clear",
    "MR": "memory recall",
    "M+": "memory add",
    "M-": "memory subtract",
}


@pytest.fixture
def calculator_page(page: Page) -> Page:
    page.set_content("<div id='root'></div>")
    page.add_script_tag(
        type="module",
        content=SOURCE
        + "\nwindow.Calculator = Calculator;"
        + "\nwindow.calc = mountCalculator(document.getElementById('root'));",
    )
    page.wait_for_function("window.calc !== undefined")
    return page


def _display(page: Page) -> Locator:
    return page.get_by_role("status", name="Calculator display")


def _memory_indicator(page: Page) -> Locator:
    return page.get_by_role("img", name="memory in use")


def _click(page: Page, *keys: str) -> None:
    for key in keys:
        page.get_by_role("button", name=NAMES.get(key, key), exact=True).click()


def test_calculator_starts_at_zero(calculator_page: Page):
    expect(_display(calculator_page)).to_have_text("0")
    expect(_memory_indicator(calculator_page)).to_be_hidden()


def test_calculator_chains_operations_left_to_right(calculator_page: Page):
    _click(calculator_page, "2", "+", "3", "*", "4", "=")

    expect(_display(calculator_page)).to_have_text("20")


def test_calculator_result_hides_floating_point_noise(calculator_page: Page):
    _click(calculator_page, "0", ".", "1", "+", "0", ".", "2", "=")

    expect(_display(calculator_page)).to_have_text("0.3")


def test_calculator_division_by_zero_shows_error_until_cleared(calculator_page: Page):
    _click(calculator_page, "7", "/", "0", "=")
    expect(_display(calculator_page)).to_have_text("Error")

    _click(calculator_page, "5", "+", "=")
    expect(_display(calculator_page)).to_have_text("Error")

    _click(calculator_page, "C")
    expect(_display(calculator_page)).to_have_text("0")


def test_calculator_repeated_equals_repeats_last_operation(calculator_page: Page):
    _click(calculator_page, "5", "+", "2", "=", "=")

    expect(_display(calculator_page)).to_have_text("9")


def test_calculator_memory_recall_feeds_an_operation(calculator_page: Page):
    _click(calculator_page, "6", "M+", "C", "4", "*", "MR", "=")

    expect(_display(calculator_page)).to_have_text("24")
    expect(_memory_indicator(calculator_page)).to_be_visible()
    assert calculator_page.evaluate("window.calc.memory") == 6


def test_calculator_memory_clear_hides_indicator(calculator_page: Page):
    _click(calculator_page, "6", "M+")

    _click(calculator_page, "MC")

    expect(_memory_indicator(calculator_page)).to_be_hidden()
    assert calculator_page.evaluate("window.calc.memory") == 0


def test_calculator_memory_subtract_to_zero_hides_indicator(calculator_page: Page):
    _click(calculator_page, "8", "M+", "M-")

    expect(_memory_indicator(calculator_page)).to_be_hidden()
    expect(_display(calculator_page)).to_have_text("8")


def test_calculator_change_sign_toggles(calculator_page: Page):
    _click(calculator_page, "9", "neg")
    expect(_display(calculator_page)).to_have_text("-9")

    _click(calculator_page, "neg")
    expect(_display(calculator_page)).to_have_text("9")


def test_calculator_percent_after_plus_takes_share_of_first_number(calculator_page: Page):
    _click(calculator_page, "2", "0", "0", "+", "1", "0", "%")
    expect(_display(calculator_page)).to_have_text("20")

    _click(calculator_page, "=")
    expect(_display(calculator_page)).to_have_text("220")


def test_calculator_percent_after_multiply_divides_by_hundred(calculator_page: Page):
    _click(calculator_page, "5", "0", "*", "1", "0", "%", "=")

    expect(_display(calculator_page)).to_have_text("5")


def test_calculator_backspace_removes_last_digit(calculator_page: Page):
    _click(calculator_page, "1", "2", "3", "back")
    expect(_display(calculator_page)).to_have_text("12")

    _click(calculator_page, "back", "back")
    expect(_display(calculator_page)).to_have_text("0")


def test_calculator_backspace_leaves_a_result_alone(calculator_page: Page):
    _click(calculator_page, "4", "+", "5", "=", "back")

    expect(_display(calculator_page)).to_have_text("9")


def test_calculator_clear_entry_keeps_pending_operation(calculator_page: Page):
    _click(calculator_page, "5", "+", "3", "CE", "2", "=")

    expect(_display(calculator_page)).to_have_text("7")


def test_calculator_decimal_point_first_shows_leading_zero(calculator_page: Page):
    _click(calculator_page, ".")
    expect(_display(calculator_page)).to_have_text("0.")

    _click(calculator_page, "5")
    expect(_display(calculator_page)).to_have_text("0.5")


def test_calculator_entry_stops_at_twelve_digits(calculator_page: Page):
    _click(calculator_page, *"1234567890123")

    expect(_display(calculator_page)).to_have_text("123456789012")


def test_calculator_keyboard_types_and_clears(calculator_page: Page):
    calculator_page.get_by_role("group", name="Calculator").focus()

    calculator_page.keyboard.type("12*3")
    calculator_page.keyboard.press("Enter")
    expect(_display(calculator_page)).to_have_text("36")

    calculator_page.keyboard.press("Escape")
    expect(_display(calculator_page)).to_have_text("0")


def test_calculator_keyboard_editing_keys(calculator_page: Page):
    calculator_page.get_by_role("group", name="Calculator").focus()

    calculator_page.keyboard.type("8+45")
    calculator_page.keyboard.press("Backspace")
    calculator_page.keyboard.press("Delete")
    calculator_page.keyboard.type("2%=")

    # 8 + (2 % of 8) = 8.16
    expect(_display(calculator_page)).to_have_text("8.16")


def test_calculator_enter_after_mouse_clicks_means_equals(calculator_page: Page):
    _click(calculator_page, "2", "+", "3")

    calculator_page.keyboard.press("Enter")

    expect(_display(calculator_page)).to_have_text("5")


def test_calculator_enter_on_a_focused_key_presses_that_key(calculator_page: Page):
    calculator_page.get_by_role("button", name="7", exact=True).focus()

    calculator_page.keyboard.press("Enter")

    expect(_display(calculator_page)).to_have_text("7")


def test_calculator_keys_do_not_reach_page_shortcuts(calculator_page: Page):
    calculator_page.evaluate(
        "window.seen = [];"
        "document.addEventListener('keydown', (event) => window.seen.push(event.key));"
    )
    calculator_page.get_by_role("group", name="Calculator").focus()

    calculator_page.keyboard.type("7/2")
    for key in ("Enter", "Backspace", "Delete", "Escape"):
        calculator_page.keyboard.press(key)

    assert calculator_page.evaluate("window.seen") == []


def test_calculator_keys_cancel_browser_defaults(calculator_page: Page):
    # A listener on the panel itself runs after the calculator's own, so it sees the outcome.
    calculator_page.evaluate(
        "window.cancelled = [];"
        "document.querySelector('.calc').addEventListener('keydown',"
        " (event) => window.cancelled.push([event.key, event.defaultPrevented]));"
    )
    calculator_page.get_by_role("group", name="Calculator").focus()

    for key in ("1", "/", "Enter", "Backspace", "Escape", "Tab"):
        calculator_page.keyboard.press(key)

    assert calculator_page.evaluate("window.cancelled") == [
        ["1", True],
        ["/", True],
        ["Enter", True],
        ["Backspace", True],
        ["Escape", True],
        ["Tab", False],
    ]


def test_calculator_leaves_other_keys_to_the_page(calculator_page: Page):
    calculator_page.evaluate(
        "window.seen = [];"
        "document.addEventListener('keydown', (event) => window.seen.push(event.key));"
    )
    calculator_page.get_by_role("group", name="Calculator").focus()

    calculator_page.keyboard.press("n")
    calculator_page.keyboard.press("Control+c")
    calculator_page.evaluate("document.activeElement.blur()")
    calculator_page.keyboard.press("5")

    assert calculator_page.evaluate("window.seen") == ["n", "Control", "c", "5"]
    expect(_display(calculator_page)).to_have_text("0")


@pytest.mark.parametrize(
    ("keys", "display"),
    [
        (["1", "/", "3", "*", "3", "="], "1"),
        (["1", "/", "7", "="], "0.142857142857"),
        (["5", "+", "="], "10"),
        (["5", "+", "*", "3", "="], "15"),
        (["2", "=", "="], "2"),
        (["5", "+", "2", "=", "3", "="], "5"),
        (["0", "0", "0"], "0"),
        (["1", ".", ".", "5"], "1.5"),
        (["0", "neg"], "0"),
        ([".", "5", "neg"], "-0.5"),
        (["9", "neg", "back"], "0"),
        (["3", "-", "5", "="], "-2"),
        ([*"999999999999", "*", "1", "0", "0", "="], "9.99999999999e+13"),
        (["1", "/", *"10000000000", "="], "1e-10"),
        (["7", "/", "0", "=", "CE"], "0"),
        (["7", "/", "0", "=", "MR"], "Error"),
        (["4", "M+", "M+", "MR"], "8"),
        (["4", "M-", "MR", "neg"], "4"),
    ],
)
def test_calculator_logic_sequence_shows_display(calculator_page: Page, keys, display):
    shown = calculator_page.evaluate(
        "(keys) => { const c = new window.Calculator(); keys.forEach((k) => c.press(k));"
        " return c.display; }",
        keys,
    )

    assert shown == display


def test_calculator_unknown_key_is_refused(calculator_page: Page):
    message = calculator_page.evaluate(
        "() => { try { new window.Calculator().press('sqrt'); return null; }"
        " catch (error) { return `${error.name}: ${error.message}`; } }"
    )

    assert message == "RangeError: Unknown calculator key: sqrt"


def test_calculator_runs_under_the_site_csp_with_touch_sized_keys(page: Page):
    files = {
        "/": (
            "text/html",
            "<!doctype html><html><head>"
            "<link rel='stylesheet' href='/static/css/base.css'>"
            "<link rel='stylesheet' href='/static/css/calculator.css'>"
            "<script type='module' src='/harness.js'></script>"
            "</head><body><div id='root'></div></body></html>",
        ),
        "/harness.js": (
            "text/javascript",
            'import { mountCalculator } from "./static/js/exam/calculator.js";\n'
            "window.calc = mountCalculator(document.getElementById('root'));\n",
        ),
        "/static/css/base.css": ("text/css", (STATIC / "css" / "base.css").read_text()),
        "/static/css/calculator.css": ("text/css", (STATIC / "css" / "calculator.css").read_text()),
        "/static/js/exam/calculator.js": ("text/javascript", SOURCE),
    }

    def serve(route: Route) -> None:
        path = "/" + route.request.url.split("/", 3)[3]
        content_type, body = files[path]
        route.fulfill(
            body=body, content_type=content_type, headers={"Content-Security-Policy": CSP}
        )

    page.route("http://vignette.test/**", serve)
    page.add_init_script(
        "window.violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (event) => window.violations.push(event.violatedDirective));"
    )

    page.goto("http://vignette.test/")
    page.wait_for_function("window.calc !== undefined")
    _click(page, "6", "*", "7", "=")

    expect(_display(page)).to_have_text("42")
    sizes = [button.bounding_box() for button in page.get_by_role("button").all()]
    assert len(sizes) == 25
    assert [box for box in sizes if box["width"] < 44 or box["height"] < 44] == []
    assert page.evaluate("window.violations") == []
