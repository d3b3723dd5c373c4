// The only path for a student's changes: kept in localStorage until the server has them,
// sent in order and in batches, retried with backoff, one tab at a time (Web Locks).

import { ApiError, Offline, signedOut } from "./api.js";

const FIRST_SEND_MS = 300;
const MAX_BATCH = 100;
const BACKOFF_START_MS = 500;
const BACKOFF_CAP_MS = 30000;
// In the last two minutes of a timed block, never wait longer than this between tries.
const LATE_BACKOFF_CAP_MS = 5000;
const LATE_SECONDS = 120;

function newId() {
  if (crypto.randomUUID) {
    return crypto.randomUUID();
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class Outbox {
  // send(batch) posts the changes and returns the server's answer; the callbacks tell the
  // page what happened: onSaved(answer, batch), onState({state, unsent}), onRefused(error).
  constructor({ key, send, secondsLeft, onSaved, onState, onRefused, onSignedOut }) {
    this.key = key;
    this.send = send;
    this.secondsLeft = secondsLeft;
    this.onSaved = onSaved;
    this.onState = onState;
    this.onRefused = onRefused;
    this.onSignedOut = onSignedOut;
    this.timer = null;
    this.backoff = 0;
    this.state = "saved";
    window.addEventListener("storage", (event) => {
      if (event.key === this.key) {
        this.report();
      }
    });
    window.addEventListener("online", () => this.flushSoon(0));
  }

  pending() {
    try {
      return JSON.parse(localStorage.getItem(this.key) || "[]");
    } catch {
      return [];
    }
  }

  store(changes) {
    localStorage.setItem(this.key, JSON.stringify(changes));
  }

  add(position, field, value) {
    const pending = this.pending();
    // Strictly later than the change before (in this tab or another): two changes in one
    // millisecond, or a clock that stepped back, must keep the order they were made in.
    const before = pending.length ? Date.parse(pending[pending.length - 1].client_time) : 0;
    this.lastTime = Math.max(Date.now(), before + 1, (this.lastTime || 0) + 1);
    const clientTime = new Date(this.lastTime).toISOString();
    const change = { id: newId(), position, field, value, client_time: clientTime };
    this.store([...pending, change]);
    this.report(this.state === "saved" ? "saving" : this.state);
    this.flushSoon(FIRST_SEND_MS);
    return change;
  }

  flushSoon(delay) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), delay);
  }

  async flush() {
    if (!this.pending().length) {
      this.report("saved");
      return;
    }
    const run = () => this.sendOnce();
    if (navigator.locks) {
      await navigator.locks.request(`${this.key}:flush`, run);
    } else {
      await run();
    }
  }

  async sendOnce() {
    const batch = this.pending().slice(0, MAX_BATCH);
    if (!batch.length) {
      this.report("saved");
      return;
    }
    this.report("saving");
    try {
      const answer = await this.send(batch);
      this.forget(batch);
      this.backoff = 0;
      this.onSaved(answer, batch);
      this.report(this.pending().length ? "saving" : "saved");
      if (this.pending().length) {
        this.flushSoon(0);
      }
    } catch (error) {
      if (signedOut(error)) {
        // Keep everything; the page asks for the password and flushes again.
        this.report("signed-out");
        this.onSignedOut();
        return;
      }
      if (error instanceof ApiError && error.status === 409) {
        // The block has ended: these changes can never be saved. Say so; keep nothing.
        this.forget(batch);
        this.report("refused");
        this.onRefused(error, batch);
        return;
      }
      if (error instanceof ApiError && error.status === 400) {
        this.forget(batch);
        this.onRefused(error, batch);
        this.report(this.pending().length ? "saving" : "saved");
        return;
      }
      this.retryLater(error instanceof Offline ? "offline" : "retrying");
    }
  }

  forget(batch) {
    const sent = new Set(batch.map((change) => change.id));
    this.store(this.pending().filter((change) => !sent.has(change.id)));
  }

  retryLater(state) {
    const left = this.secondsLeft();
    const cap = left !== null && left <= LATE_SECONDS ? LATE_BACKOFF_CAP_MS : BACKOFF_CAP_MS;
    this.backoff = Math.min(cap, this.backoff ? this.backoff * 2 : BACKOFF_START_MS);
    this.report(state);
    this.flushSoon(this.backoff);
  }

  report(state = this.state) {
    this.state = state;
    this.onState({ state, unsent: this.pending().length });
  }
}
