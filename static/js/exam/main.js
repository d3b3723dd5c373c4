// The exam page: one item at a time, every change through the outbox, the clock from the
// server. Everything the page needs comes from /api/v1/ in one request at the start.

import { ApiError, Offline, client } from "./api.js";
import { mountCalculator } from "./calculator.js";
import { merge, paint, selectedRange } from "./highlights.js";
import { mountLabValues } from "./labvalues.js";
import { Outbox } from "./outbox.js";
import { Preferences } from "./preferences.js";
import { matches, outcome, peersLine, resultLine } from "./review.js";
import { renderItem, showState } from "./render.js";
import { Store } from "./store.js";
import { BlockClock } from "./timer.js";

const LETTERS = "ABCDEFGHIJ";
const SAVE_LABELS = {
  saved: "All changes saved",
  saving: "Saving…",
  retrying: "Saving: retrying…",
  offline: "Offline: changes kept on this device",
  refused: "Not saved: the block has ended",
  "signed-out": "Not saved yet: sign in again",
};

const root = document.querySelector("[data-exam]");
const $ = (selector) => root.querySelector(selector);
const api = client(root.dataset.csrf);
const positionKey = `${root.dataset.outboxKey}:position`;
const copyKey = `${root.dataset.outboxKey}:block`;
// Other tabs on this block hear of each answer from the server, and stay current.
const tabs = "BroadcastChannel" in window ? new BroadcastChannel(root.dataset.outboxKey) : null;
const preferences = new Preferences(root, ({ size, scheme }) => {
  $("[data-text-size]").textContent = size;
  $("[data-scheme-label]").textContent = `Colors: ${scheme}`;
});
const skeletons = {
  plain: $("[data-skeleton]"),
  revealed: $("[data-skeleton-revealed]"),
};

let store;
let outbox;
let clock;
let current = 0;
let drawn = null; // [position, whether the review was drawn]
let enteredAt = 0;
let leaving = false;
let reviewing = false; // an ended block: everything shown, nothing changed
let fromCopy = false; // opened offline, from the copy this device kept
let noteTimer = null;
let noteDraft = null; // [position, text] typed but not yet queued
const NOTE_PAUSE_MS = 700;
const LONG_PRESS_MS = 550;
const PHONE = window.matchMedia("(max-width: 40rem)");
let press = null; // a touch held on an option: {timer, x, y}
let pressStruck = false; // the touch that just ended struck an option: its click must not choose

function announce(text) {
  const region = $("[data-announce]");
  region.textContent = "";
  requestAnimationFrame(() => {
    region.textContent = text;
  });
}

function banner(text) {
  const element = $("[data-banner]");
  element.textContent = text;
  element.hidden = !text;
}

function state(position = current) {
  return store.view(position, outbox.pending());
}

function tutor() {
  return store.block.feedback === "tutor";
}

// --- Drawing -------------------------------------------------------------------------------

function drawItem() {
  const item = store.item(current);
  const view = state();
  const withReview = Boolean(item.review);
  if (!drawn || drawn[0] !== current || drawn[1] !== withReview) {
    renderItem($("[data-item]"), item, skeletons);
    drawn = [current, withReview];
  }
  showState($("[data-item]"), view, { locked: view.submitted || reviewing });
  if (reviewing) {
    drawReview(item, view);
  }
  const stem = $("[data-item] .item__stem");
  for (const image of stem.querySelectorAll("img:not([tabindex])")) {
    image.tabIndex = 0; // reachable by keyboard, enlarged with Enter
    image.title = "Click to enlarge";
  }
  if (stem.dataset.painted !== JSON.stringify(view.highlights)) {
    paint(stem, view.highlights);
    stem.dataset.painted = JSON.stringify(view.highlights);
  }
  const note = $("[data-note]");
  if (document.activeElement !== note && !noteDraft) {
    note.value = view.note;
  }
  $("[data-item-label]").textContent = `Item ${current} of ${store.count}`;
  $("[data-question-id]").textContent = item.question;
  $("[data-mark]").checked = view.marked;
  $("[data-mark]").disabled = reviewing;
  drawNavigator();
  const listed = listedPositions();
  $("[data-action=previous]").disabled = !listed.some((p) => p < current);
  $("[data-action=next]").disabled = !listed.some((p) => p > current);
  const submit = $("[data-action=submit]");
  submit.hidden = !tutor() || view.submitted || reviewing;
  submit.disabled = !view.answer;
  $("[data-reveal-note]").hidden = !(view.submitted && !item.review);
}

function drawReview(item, view) {
  $("[data-review-summary]").hidden = false;
  const result = $("[data-review-result]");
  result.dataset.outcome = outcome(view, item.review);
  result.textContent = resultLine(view, item.review);
  $("[data-review-peers]").textContent = peersLine(item.review);
  $("[data-report-link]").href = root.dataset.reportUrl.replace("VQ-000000", item.question);
}

function drawNavigator() {
  const list = $("[data-navigator]");
  if (list.children.length !== store.count) {
    list.replaceChildren(
      ...[...store.items.keys()].map((position) => {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "exam-nav__item";
        button.dataset.goto = String(position);
        li.append(button);
        return li;
      }),
    );
  }
  for (const button of list.querySelectorAll("[data-goto]")) {
    const position = Number(button.dataset.goto);
    const view = state(position);
    const review = store.item(position).review;
    const words = [reviewing ? outcome(view, review) : view.answer ? "answered" : "unanswered"];
    if (view.marked) {
      words.push("marked");
    }
    const filter = $("[data-filter]").value;
    button.parentElement.hidden = reviewing && !matches(filter, view, review);
    button.textContent = String(position);
    button.setAttribute("aria-label", `Item ${position}, ${words.join(", ")}`);
    button.classList.toggle("is-answered", Boolean(view.answer));
    if (reviewing) {
      button.dataset.outcome = outcome(view, review);
    }
    button.classList.toggle("is-marked", view.marked);
    if (position === current) {
      button.setAttribute("aria-current", "true");
    } else {
      button.removeAttribute("aria-current");
    }
  }
}

// --- Moving --------------------------------------------------------------------------------

function recordTime() {
  if (reviewing) {
    return;
  }
  const seconds = Math.round((performance.now() - enteredAt) / 1000);
  if (current && seconds >= 1 && store.block.status === "open") {
    outbox.add(current, "time_spent", state().time_spent + seconds);
  }
}

function show(position) {
  if (position < 1 || position > store.count || position === current) {
    return;
  }
  commitNote();
  recordTime();
  current = position;
  enteredAt = performance.now();
  localStorage.setItem(positionKey, String(position));
  drawItem();
  announce(`Item ${current} of ${store.count}`);
}

// --- Changes -------------------------------------------------------------------------------

function change(field, value) {
  if (reviewing) {
    return; // review shows the block as it ended
  }
  outbox.add(current, field, value);
  drawItem();
}

function choose(letter) {
  const view = state();
  if (view.submitted || view.answer === letter || !store.item(current).options.some((o) => o.letter === letter)) {
    return;
  }
  change("answer", letter);
}

function strike(letter) {
  const struck = state().struck;
  if (!store.item(current).options.some((o) => o.letter === letter)) {
    return;
  }
  change("struck", struck.includes(letter) ? struck.filter((l) => l !== letter) : [...struck, letter]);
}

function highlight() {
  if (reviewing) {
    return;
  }
  const range = selectedRange($("[data-item] .item__stem"));
  if (!range) {
    banner("Select some text of the question first, then choose Highlight.");
    return;
  }
  banner("");
  window.getSelection().removeAllRanges();
  change("highlights", merge([...state().highlights, range]));
}

function unhighlight(mark) {
  const [start, end] = mark.dataset.range.split("-").map(Number);
  change("highlights", state().highlights.filter(([s, e]) => s !== start || e !== end));
}

// A note is queued once typing pauses, or at once when the student moves on or leaves.
function commitNote() {
  clearTimeout(noteTimer);
  noteTimer = null;
  if (!noteDraft) {
    return;
  }
  const [position, text] = noteDraft;
  noteDraft = null;
  if (state(position).note !== text) {
    outbox.add(position, "note", text);
  }
}

function noteTyped() {
  noteDraft = [current, $("[data-note]").value];
  clearTimeout(noteTimer);
  noteTimer = setTimeout(commitNote, NOTE_PAUSE_MS);
}

function submit() {
  const view = state();
  if (!tutor() || view.submitted || !view.answer) {
    return;
  }
  change("submit", view.answer);
  outbox.flushSoon(0);
}

// --- The server's answers ------------------------------------------------------------------

function send(batch) {
  return api.post(root.dataset.changesUrl, { client_now: new Date().toISOString(), changes: batch });
}

// The block as this device last saw it, for a reload without a network.
function keepCopy() {
  const copy = {
    block: store.block,
    seconds_left: clock.secondsLeft(),
    elapsed_seconds: clock.timed ? 0 : Math.floor(clock.seconds()),
    kept_at: Date.now(),
  };
  try {
    localStorage.setItem(copyKey, JSON.stringify(copy));
  } catch {
    // Storage full: the outbox matters more than the copy; it has its own key.
  }
}

function lastCopy() {
  try {
    const copy = JSON.parse(localStorage.getItem(copyKey));
    if (!copy) {
      return null;
    }
    const passed = (Date.now() - copy.kept_at) / 1000;
    return {
      ...copy.block,
      seconds_left: copy.seconds_left === null ? null : Math.max(0, copy.seconds_left - passed),
      elapsed_seconds: copy.elapsed_seconds + (copy.seconds_left === null ? passed : 0),
    };
  } catch {
    return null;
  }
}

function onSaved(answer, _batch, { fromOtherTab = false } = {}) {
  store.accept(answer);
  clock.sync(answer);
  keepCopy();
  if (!fromOtherTab) {
    tabs?.postMessage(answer);
  }
  if (fromCopy) {
    fromCopy = false;
    banner(""); // the server has answered: the page is current again
  }
  if (answer.status === "ended") {
    finish();
    return;
  }
  drawItem();
}

function onState({ state: saveState, unsent }) {
  const element = $("[data-save-state]");
  element.dataset.state = saveState;
  element.textContent = unsent && saveState !== "saved"
    ? `${SAVE_LABELS[saveState]} (${unsent} unsent)`
    : SAVE_LABELS[saveState];
}

function onRefused(error, batch) {
  if (error.status === 409) {
    banner(`Time ran out: ${batch.length} change(s) reached the server after the block ended and were not saved.`);
    finish();
    return;
  }
  banner(`Some changes were refused: ${error.message}`);
}

// --- Signing in again, in place ---------------------------------------------------------------

function askPassword() {
  const dialog = $("[data-signin-dialog]");
  if (!dialog.open) {
    $("[data-signin-error]").textContent = "";
    dialog.showModal();
    $("[data-signin-password]").focus();
  }
}

async function signIn(event) {
  event.preventDefault();
  const password = $("[data-signin-password]");
  try {
    const answer = await api.post(root.dataset.sessionUrl, {
      username: root.dataset.username,
      password: password.value,
    });
    api.useToken(answer.csrf_token);
    password.value = "";
    $("[data-signin-dialog]").close();
    outbox.flushSoon(0);
  } catch (error) {
    $("[data-signin-error]").textContent = error instanceof Offline
      ? "No answer from the server: try again in a moment."
      : error.message;
  }
}

// --- Ending ----------------------------------------------------------------------------------

async function flushAll() {
  for (let tries = 0; tries < 5 && outbox.pending().length; tries += 1) {
    await outbox.flush();
  }
}

function finish() {
  if (leaving) {
    return;
  }
  leaving = true;
  clock.stop();
  window.setTimeout(() => location.assign(root.dataset.resultsUrl), 1500);
}

async function endBlock() {
  recordTime();
  await flushAll();
  try {
    await api.post(root.dataset.endUrl, undefined, { "Idempotency-Key": `end-${root.dataset.outboxKey}` });
  } catch (error) {
    if (error instanceof Offline) {
      leaving = false;
      banner("You are offline: the block will end when the connection is back. Try again then.");
      return;
    }
    if (!(error instanceof ApiError && error.status === 409)) {
      throw error;
    }
  }
  localStorage.removeItem(positionKey);
  localStorage.removeItem(copyKey);
  location.assign(root.dataset.resultsUrl);
}

function openEndDialog() {
  if (reviewing) {
    return;
  }
  const unanswered = store.positions(outbox.pending(), (view) => !view.answer);
  const marked = store.positions(outbox.pending(), (view) => view.marked);
  $("[data-end-unanswered]").textContent = unanswered.length
    ? `Unanswered: item${unanswered.length === 1 ? "" : "s"} ${unanswered.join(", ")}.`
    : "Every item is answered.";
  $("[data-end-marked]").textContent = marked.length
    ? `Marked: item${marked.length === 1 ? "" : "s"} ${marked.join(", ")}.`
    : "No item is marked.";
  $("[data-end-dialog]").showModal();
}

async function suspend() {
  recordTime();
  await flushAll();
  try {
    await api.post(root.dataset.suspendUrl);
    location.assign(root.dataset.historyUrl);
  } catch (error) {
    banner(error instanceof Offline ? "You are offline: the block cannot be suspended now." : error.message);
  }
}

// --- Panels: lab values and the calculator, beside the item --------------------------------

let labValues = null; // fetched once, at the start, so the panel works offline too
const mounted = new Set();

function mountPanel(name, body) {
  if (name === "calculator") {
    mountCalculator(body);
  } else if (name === "labs" && labValues) {
    mountLabValues(body, labValues);
  } else if (name === "labs") {
    body.textContent = "The lab values could not be loaded. Reload the page when you are online.";
    return;
  }
  mounted.add(name); // the notes panel is in the page already
}

function togglePanel(name) {
  const panel = $(`[data-panel="${name}"]`);
  const button = $(`[data-panel-name="${name}"]`);
  const opening = panel.hidden;
  panel.hidden = !opening;
  button.setAttribute("aria-expanded", String(opening));
  if (!opening) {
    button.focus();
    return;
  }
  if (!mounted.has(name)) {
    mountPanel(name, panel.querySelector("[data-panel-body]"));
  }
  const body = panel.querySelector("[data-panel-body]");
  (body.querySelector("input, .calc") || panel.querySelector("button")).focus();
}

function closePanel(element) {
  togglePanel(element.closest("[data-panel]").dataset.panel);
}

// --- Input -----------------------------------------------------------------------------------

// The items the list shows (in review, those the filter keeps); Next and Previous walk them.
function listedPositions() {
  return [...root.querySelectorAll("[data-goto]")]
    .filter((button) => !button.parentElement.hidden)
    .map((button) => Number(button.dataset.goto));
}

function step(direction) {
  const listed = listedPositions();
  const ahead = direction > 0 ? listed.filter((p) => p > current) : listed.filter((p) => p < current).reverse();
  if (ahead.length) {
    show(ahead[0]);
  }
}

const ACTIONS = {
  next: () => step(1),
  previous: () => step(-1),
  submit,
  end: openEndDialog,
  "end-confirm": endBlock,
  suspend,
  help: () => $("[data-help-dialog]").showModal(),
  navigator: () => {
    const hidden = root.classList.toggle("exam--nav-hidden");
    $("[data-action=navigator]").setAttribute("aria-expanded", String(!hidden));
  },
  "close-dialog": (button) => button.closest("dialog").close(),
  panel: (button) => togglePanel(button.dataset.panelName),
  highlight,
  larger: () => preferences.larger(1),
  smaller: () => preferences.larger(-1),
  scheme: () => preferences.nextScheme(),
  "close-panel": closePanel,
};

function typing(target) {
  return target.closest("input[type=text], input[type=search], textarea, [contenteditable]");
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || !store) {
    return;
  }
  const panel = event.target.closest("[data-panel]");
  if (panel && event.key === "Escape") {
    closePanel(panel);
    event.preventDefault();
    return;
  }
  if (panel || typing(event.target)) {
    return; // keys typed into a panel (a search, the calculator) are the panel's
  }
  if (document.querySelector("dialog[open]")) {
    return; // a dialog handles its own keys (Esc closes it)
  }
  const key = event.key;
  const letter = key.toUpperCase();
  let handled = true;
  if (LETTERS.includes(letter) && key.length === 1) {
    if (event.shiftKey) {
      strike(letter);
    } else {
      choose(letter);
    }
  } else if (key === "n" || key === "N" || key === "ArrowRight") {
    ACTIONS.next();
  } else if (key === "p" || key === "P" || key === "ArrowLeft") {
    ACTIONS.previous();
  } else if (key === "m" || key === "M") {
    change("marked", !state().marked);
  } else if (key === "Enter" && event.target.matches(".item__stem img")) {
    enlarge(event.target);
  } else if (key === "Enter" && !event.target.closest("button, a")) {
    submit();
  } else if (key === "o" || key === "O") {
    ACTIONS.navigator();
  } else if (key === "l" || key === "L") {
    togglePanel("labs");
  } else if (key === "k" || key === "K") {
    togglePanel("calculator");
  } else if (key === "t" || key === "T") {
    togglePanel("notes");
  } else if (key === "u" || key === "U") {
    highlight();
  } else if (key === "+" || key === "=") {
    preferences.larger(1);
  } else if (key === "-" || key === "−") {
    preferences.larger(-1);
  } else if (key === "s" || key === "S") {
    preferences.nextScheme();
  } else if (key === "q" || key === "Q") {
    openEndDialog();
  } else if (key === "?") {
    ACTIONS.help();
  } else {
    handled = false;
  }
  if (handled) {
    event.preventDefault();
  }
}

// A figure in the stem, at full size in a dialog.
function enlarge(image) {
  const large = $("[data-image-large]");
  large.src = image.currentSrc || image.src;
  large.alt = image.alt;
  $("[data-image-dialog]").showModal();
}

// Touch: holding an option strikes it out (or restores it), as right-click does.
function wireLongPress() {
  const cancel = () => {
    if (press) {
      clearTimeout(press.timer);
      press = null;
    }
  };
  root.addEventListener("pointerdown", (event) => {
    const option = event.target.closest(".option");
    pressStruck = false;
    if (event.pointerType !== "touch" || !option || event.target.closest("[data-strike]")) {
      return;
    }
    const timer = setTimeout(() => {
      press = null;
      pressStruck = true;
      strike(option.dataset.letter);
    }, LONG_PRESS_MS);
    press = { timer, x: event.clientX, y: event.clientY };
  });
  root.addEventListener("pointermove", (event) => {
    if (press && Math.hypot(event.clientX - press.x, event.clientY - press.y) > 10) {
      cancel(); // a scroll, not a press
    }
  });
  root.addEventListener("pointerup", cancel);
  root.addEventListener("pointercancel", cancel);
  root.addEventListener(
    "click",
    (event) => {
      if (pressStruck && event.target.closest(".option")) {
        event.preventDefault(); // the touch struck the option; it does not choose it too
        event.stopPropagation();
        pressStruck = false;
      }
    },
    true,
  );
}

function wire() {
  root.addEventListener("click", (event) => {
    const action = event.target.closest("[data-action]");
    if (action && !action.disabled) {
      ACTIONS[action.dataset.action](action);
      return;
    }
    const goto = event.target.closest("[data-goto]");
    if (goto) {
      show(Number(goto.dataset.goto));
      if (PHONE.matches && !root.classList.contains("exam--nav-hidden")) {
        ACTIONS.navigator(); // on a phone the list is a drawer: it closes once used
      }
      return;
    }
    const strikeButton = event.target.closest("[data-strike]");
    if (strikeButton) {
      strike(strikeButton.dataset.strike);
      return;
    }
    const image = event.target.closest(".item__stem img");
    if (image) {
      enlarge(image);
      return;
    }
    const mark = event.target.closest("mark.exam-highlight");
    if (mark && window.getSelection().isCollapsed) {
      unhighlight(mark);
    }
  });
  root.addEventListener("change", (event) => {
    if (event.target.matches("[data-mark]")) {
      change("marked", event.target.checked);
    } else if (event.target.matches(".option input[type=radio]")) {
      choose(event.target.value);
    }
  });
  $("[data-note]").addEventListener("input", noteTyped);
  root.addEventListener("contextmenu", (event) => {
    const option = event.target.closest(".option");
    if (option) {
      event.preventDefault();
      if (!press && !pressStruck) {
        strike(option.dataset.letter); // a right-click; a long touch strikes by its own timer
      }
    }
  });
  wireLongPress();
  document.addEventListener("keydown", onKey);
  window.addEventListener("pagehide", () => {
    commitNote();
    recordTime();
    enteredAt = performance.now();
  });
}

// --- Review ----------------------------------------------------------------------------------

function startReview(block) {
  reviewing = true;
  root.classList.add("exam--review");
  document.title = "Review · Vignette";
  for (const element of root.querySelectorAll("[data-taking-only]")) {
    element.hidden = true;
  }
  for (const element of root.querySelectorAll("[data-review-only]")) {
    element.hidden = false;
  }
  $("[data-note]").readOnly = true;
  const used = block.score.time_used_seconds;
  $("[data-timer]").textContent = `Time used ${Math.floor(used / 60)}:${String(used % 60).padStart(2, "0")}`;
  // Nothing is left to send: the block's state is final.
  outbox = { pending: () => [], add: () => {}, flushSoon: () => {} };
  onState({ state: "saved", unsent: 0 });
  $("[data-save-state]").textContent = "Review";
  $("[data-filter]").addEventListener("change", () => {
    drawNavigator();
    const listed = listedPositions();
    if (listed.length && !listed.includes(current)) {
      show(listed[0]);
    }
  });
  wire();
  if (PHONE.matches) {
    ACTIONS.navigator();
  }
  const asked = Number(new URLSearchParams(location.search).get("item"));
  show(asked >= 1 && asked <= store.count ? asked : 1);
}

// --- Start -----------------------------------------------------------------------------------

async function start() {
  let block;
  const labs = api.get(root.dataset.labValuesUrl).then(
    (data) => {
      labValues = data;
    },
    () => {},
  );
  try {
    block = await api.get(root.dataset.blockUrl);
    if (block.status === "suspended") {
      block = await api.post(root.dataset.resumeUrl, undefined, {
        "Idempotency-Key": `resume-${crypto.getRandomValues(new Uint32Array(2)).join("-")}`,
      });
    }
  } catch (error) {
    block = error instanceof Offline ? lastCopy() : null;
    if (!block) {
      onState({ state: "offline", unsent: 0 });
      banner(error instanceof Offline ? "The block could not be loaded: you seem to be offline. Reload when you are back online." : error.message);
      return;
    }
    fromCopy = true;
    banner("You are offline: this is the block as this device last saw it. Your changes are kept here and sent when you are back online.");
  }
  store = new Store(block);
  if (block.status === "ended") {
    startReview(block);
    return;
  }
  clock = new BlockClock($("[data-timer]"), {
    timed: block.clock === "timed",
    onWarning: (message) => {
      announce(message);
      banner(message);
    },
    onTimeUp: () => {
      banner("Time is up: saving your answers and ending the block.");
      endBlock();
    },
  });
  clock.sync(block);
  keepCopy();
  navigator.serviceWorker?.register(root.dataset.serviceWorkerUrl).catch(() => {});
  outbox = new Outbox({
    key: root.dataset.outboxKey,
    send,
    secondsLeft: () => clock.secondsLeft(),
    onSaved,
    onState,
    onRefused,
    onSignedOut: askPassword,
  });
  $("[data-signin-form]").addEventListener("submit", signIn);
  if (tabs) {
    tabs.onmessage = (event) => onSaved(event.data, [], { fromOtherTab: true });
  }
  window.addEventListener("storage", (event) => {
    if (event.key === root.dataset.outboxKey) {
      drawItem(); // another tab's unsent changes, laid over this tab's view too
    }
  });
  wire();
  if (PHONE.matches) {
    ACTIONS.navigator(); // a phone starts with the item list closed, as a drawer
  }
  const remembered = Number(localStorage.getItem(positionKey));
  show(remembered >= 1 && remembered <= store.count ? remembered : 1);
  performance.mark("vignette:first-item"); // the first item can be answered (bench/exam_bench.py)
  outbox.report(outbox.pending().length ? "saving" : "saved");
  outbox.flush();
  await labs;
}

start();
