// The exam's four-function calculator, like the one the USMLE test driver offers: a pocket
// calculator that works left to right (2 + 3 × 4 = 20), repeats the last operation on "=",
// and keeps one memory value.

const MAX_DIGITS = 12;
// Results keep 15 significant digits: enough to carry 1 ÷ 3 × 3 back to 1, few enough to
// drop binary noise such as 0.1 + 0.2 = 0.30000000000000004.
const KEPT_DIGITS = 15;
const ERROR = "Error";
const OPERATORS = new Set(["+", "-", "*", "/"]);

function tidy(value) {
  return Number(value.toPrecision(KEPT_DIGITS));
}

function format(value) {
  if (!Number.isFinite(value)) {
    return ERROR;
  }
  const rounded = Number(value.toPrecision(MAX_DIGITS));
  if (rounded === 0) {
    return "0"; // never "-0"
  }
  const magnitude = Math.abs(rounded);
  if (magnitude >= 10 ** MAX_DIGITS || magnitude < 1e-9) {
    const [mantissa, exponent] = rounded.toExponential(MAX_DIGITS - 1).split("e");
    return `${mantissa.replace(/\.?0+$/, "")}e${exponent}`;
  }
  return String(rounded);
}

function digitCount(entry) {
  return entry.replace(/[^0-9]/g, "").length;
}

function apply(left, operator, right) {
  switch (operator) {
    case "+":
      return tidy(left + right);
    case "-":
      return tidy(left - right);
    case "*":
      return tidy(left * right);
    default:
      return right === 0 ? Number.NaN : tidy(left / right);
  }
}

export class Calculator {
  // The text being typed, or null when the display shows a computed value.
  #entry = null;
  #value = 0;
  #accumulator = 0;
  #operator = null;
  // Whether the display holds a right operand for the pending operator (false just after
  // an operator key, when the display still shows the left side).
  #operandReady = false;
  #repeat = null;
  #error = false;
  #memory = 0;

  get display() {
    if (this.#error) {
      return ERROR;
    }
    return this.#entry ?? format(this.#value);
  }

  get memory() {
    return this.#memory;
  }

  get hasMemory() {
    return this.#memory !== 0;
  }

  get hasError() {
    return this.#error;
  }

  press(key) {
    if (this.#error && key !== "C" && key !== "CE") {
      return this.display;
    }
    if (/^[0-9]$/.test(key)) {
      this.#digit(key);
    } else if (OPERATORS.has(key)) {
      this.#operate(key);
    } else {
      const action = this.#actions[key];
      if (!action) {
        throw new RangeError(`Unknown calculator key: ${key}`);
      }
      action();
    }
    return this.display;
  }

  #actions = {
    ".": () => this.#point(),
    "=": () => this.#equals(),
    "%": () => this.#percent(),
    neg: () => this.#negate(),
    C: () => this.#clearAll(),
    CE: () => this.#clearEntry(),
    back: () => this.#backspace(),
    MC: () => {
      this.#memory = 0;
    },
    MR: () => this.#show(this.#memory),
    "M+": () => this.#remember(1),
    "M-": () => this.#remember(-1),
  };

  #current() {
    return this.#entry === null ? this.#value : Number(this.#entry);
  }

  #show(value) {
    this.#entry = null;
    this.#value = value;
    this.#operandReady = true;
  }

  #result(value) {
    if (!Number.isFinite(value)) {
      this.#clearAll();
      this.#error = true;
      return false;
    }
    this.#entry = null;
    this.#value = value;
    return true;
  }

  #digit(digit) {
    if (this.#entry === null || this.#entry === "0") {
      this.#entry = digit;
    } else if (digitCount(this.#entry) < MAX_DIGITS) {
      this.#entry += digit;
    }
    this.#operandReady = true;
  }

  #point() {
    if (this.#entry === null) {
      this.#entry = "0.";
    } else if (!this.#entry.includes(".") && digitCount(this.#entry) < MAX_DIGITS) {
      this.#entry += ".";
    }
    this.#operandReady = true;
  }

  #operate(operator) {
    if (this.#operator && this.#operandReady) {
      if (!this.#result(apply(this.#accumulator, this.#operator, this.#current()))) {
        return;
      }
    }
    this.#accumulator = this.#current();
    this.#value = this.#accumulator;
    this.#entry = null;
    this.#operator = operator;
    this.#operandReady = false;
  }

  #equals() {
    if (this.#operator) {
      // "5 + =" uses the shown 5 as the right side too, as pocket calculators do.
      const operand = this.#current();
      this.#repeat = { operator: this.#operator, operand };
      this.#operator = null;
      this.#result(apply(this.#accumulator, this.#repeat.operator, operand));
    } else if (this.#repeat) {
      this.#result(apply(this.#current(), this.#repeat.operator, this.#repeat.operand));
    } else {
      this.#result(this.#current());
    }
    this.#operandReady = false;
  }

  #percent() {
    const current = this.#current();
    // 200 + 10 % takes 10 % of 200; 50 × 10 % means 50 × 0.1.
    const additive = this.#operator === "+" || this.#operator === "-";
    this.#show(tidy(additive ? (this.#accumulator * current) / 100 : current / 100));
  }

  #negate() {
    if (this.#entry !== null) {
      if (this.#entry !== "0") {
        this.#entry = this.#entry.startsWith("-") ? this.#entry.slice(1) : `-${this.#entry}`;
      }
    } else {
      this.#show(this.#value === 0 ? 0 : -this.#value);
    }
    this.#operandReady = true;
  }

  #clearAll() {
    this.#entry = null;
    this.#value = 0;
    this.#accumulator = 0;
    this.#operator = null;
    this.#operandReady = false;
    this.#repeat = null;
    this.#error = false;
  }

  #clearEntry() {
    if (this.#error) {
      this.#clearAll();
    } else {
      this.#show(0);
    }
  }

  #backspace() {
    if (this.#entry === null) {
      return;
    }
    const shorter = this.#entry.slice(0, -1);
    this.#entry = ["", "-", "-0"].includes(shorter) ? "0" : shorter;
  }

  #remember(sign) {
    const current = this.#current();
    this.#memory = tidy(this.#memory + sign * current);
    this.#entry = null;
    this.#value = current;
  }
}

// [key, label, accessible name, keyboard shortcut, kind]; in the order of the 5-column grid.
const KEYS = [
  ["MC", "MC", "memory clear", null, "memory"],
  ["MR", "MR", "memory recall", null, "memory"],
  ["M+", "M+", "memory add", null, "memory"],
  ["M-", "M\u2212", "memory subtract", null, "memory"],
  ["C", "C", "clear", "Escape", "clear"],
  ["7", "7", null, "7", "digit"],
  ["8", "8", null, "8", "digit"],
  ["9", "9", null, "9", "digit"],
  ["/", "\u00f7", "divide", "/", "operator"],
  ["CE", "CE", "clear entry", "Delete", "clear"],
  ["4", "4", null, "4", "digit"],
  ["5", "5", null, "5", "digit"],
  ["6", "6", null, "6", "digit"],
  ["*", "\u00d7", "multiply", "*", "operator"],
  ["back", "\u232b", "backspace", "Backspace", "clear"],
  ["1", "1", null, "1", "digit"],
  ["2", "2", null, "2", "digit"],
  ["3", "3", null, "3", "digit"],
  ["-", "\u2212", "minus", "-", "operator"],
  ["%", "%", "percent", "%", "operator"],
  ["neg", "\u00b1", "change sign", null, "operator"],
  ["0", "0", null, "0", "digit"],
  [".", ".", "decimal point", ".", "digit"],
  ["+", "+", "plus", "+", "operator"],
  ["=", "=", "equals", "Enter", "equals"],
];

const KEYBOARD = {
  ".": ".",
  ",": ".", // the keypad's decimal key in comma locales
  "+": "+",
  "-": "-",
  "*": "*",
  "/": "/",
  "=": "=",
  Enter: "=",
  "%": "%",
  Backspace: "back",
  Escape: "C",
  Delete: "CE",
};

function keyFor(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) {
    return null;
  }
  if (/^[0-9]$/.test(event.key)) {
    return event.key;
  }
  return Object.hasOwn(KEYBOARD, event.key) ? KEYBOARD[event.key] : null;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

export function mountCalculator(root) {
  const calculator = new Calculator();

  const panel = element("div", "calc");
  panel.setAttribute("role", "group");
  panel.setAttribute("aria-label", "Calculator");
  // Focusable so a student can click into the calculator and type.
  panel.tabIndex = 0;

  const screen = element("div", "calc-screen");
  const memory = element("span", "calc-memory", "M");
  memory.setAttribute("role", "img");
  memory.setAttribute("aria-label", "memory in use");
  memory.hidden = true;
  const display = element("output", "calc-display", calculator.display);
  display.setAttribute("aria-live", "polite");
  display.setAttribute("aria-label", "Calculator display");
  screen.append(memory, display);

  const grid = element("div", "calc-keys");
  for (const [key, label, name, shortcut, kind] of KEYS) {
    const button = element("button", `calc-key calc-key--${kind}`, label);
    button.type = "button";
    button.dataset.key = key;
    if (name) {
      button.setAttribute("aria-label", name);
    }
    if (shortcut) {
      button.setAttribute("aria-keyshortcuts", shortcut);
    }
    grid.append(button);
  }
  panel.append(screen, grid);
  root.replaceChildren(panel);

  const press = (key) => {
    calculator.press(key);
    display.textContent = calculator.display;
    memory.hidden = !calculator.hasMemory;
  };

  grid.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-key]");
    if (!button) {
      return;
    }
    press(button.dataset.key);
    // After a mouse click the panel keeps focus, so Enter typed next means "=" rather than
    // pressing the clicked button again. Keyboard activation (detail 0) keeps its focus.
    if (event.detail > 0) {
      panel.focus({ preventScroll: true });
    }
  });

  panel.addEventListener("keydown", (event) => {
    const key = keyFor(event);
    if (key === null) {
      return;
    }
    // The exam page has its own shortcuts (next item, mark, ...); typing into the calculator
    // must not trigger them.
    event.stopPropagation();
    if (event.key === "Enter" && event.target.closest("button")) {
      return; // Enter on a focused key presses that key, as on any button.
    }
    event.preventDefault();
    press(key);
  });

  return calculator;
}
