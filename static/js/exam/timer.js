// The block clock, from the server's word only: every answer that carries seconds_left
// resets the local deadline, so a wrong or drifting device clock never counts.

const WARNINGS = [
  { seconds: 300, message: "5 minutes remain in this block." },
  { seconds: 60, message: "1 minute remains in this block." },
];

function format(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

export class BlockClock {
  // timed: counts down to the deadline; untimed: counts up. onWarning(message) at 5 and 1
  // minutes left; onTimeUp() once, when the countdown reaches zero.
  constructor(element, { timed, onWarning, onTimeUp }) {
    this.element = element;
    this.timed = timed;
    this.onWarning = onWarning;
    this.onTimeUp = onTimeUp;
    this.warned = new Set();
    this.finished = false;
    this.anchor = performance.now();
    this.base = 0;
    this.interval = setInterval(() => this.tick(), 250);
  }

  // The server's figures, as of the moment its answer arrived.
  sync({ seconds_left: secondsLeft, elapsed_seconds: elapsed }) {
    this.anchor = performance.now();
    this.base = this.timed ? secondsLeft : elapsed;
    for (const warning of WARNINGS) {
      if (this.timed && secondsLeft <= warning.seconds) {
        this.warned.add(warning.seconds); // already past it when the page learnt the time
      }
    }
    this.tick();
  }

  seconds() {
    const passed = (performance.now() - this.anchor) / 1000;
    return this.timed ? Math.max(0, this.base - passed) : this.base + passed;
  }

  secondsLeft() {
    return this.timed ? this.seconds() : null;
  }

  tick() {
    const seconds = this.seconds();
    this.element.textContent = this.timed ? `Time left ${format(seconds)}` : `Elapsed ${format(seconds)}`;
    if (!this.timed || this.finished) {
      return;
    }
    for (const warning of WARNINGS) {
      if (seconds <= warning.seconds && !this.warned.has(warning.seconds)) {
        this.warned.add(warning.seconds);
        this.element.classList.add("exam-timer--warning");
        this.onWarning(warning.message);
      }
    }
    if (seconds <= 0) {
      this.finished = true;
      clearInterval(this.interval);
      this.onTimeUp();
    }
  }

  stop() {
    clearInterval(this.interval);
  }
}
