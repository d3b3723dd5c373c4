// How the student likes the page to look: text size and color scheme, kept on this device
// for every block (they are not part of any item).

const SIZES = [1, 1.15, 1.3, 1.5, 1.75, 2, 2.2];
const SCHEMES = [
  ["light", "Light"],
  ["dark", "Dark"],
  ["contrast", "High contrast"],
];
const KEY = "vignette:exam:preferences";

function load() {
  try {
    return JSON.parse(localStorage.getItem(KEY) || "{}");
  } catch {
    return {};
  }
}

export class Preferences {
  constructor(root, onChange) {
    this.root = root;
    this.onChange = onChange;
    const saved = load();
    this.size = SIZES.includes(saved.size) ? saved.size : 1;
    this.scheme = SCHEMES.some(([name]) => name === saved.scheme)
      ? saved.scheme
      : window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
    this.apply();
  }

  apply() {
    document.documentElement.dataset.scheme = this.scheme;
    document.documentElement.style.setProperty("--exam-scale", String(this.size));
    localStorage.setItem(KEY, JSON.stringify({ size: this.size, scheme: this.scheme }));
    this.onChange(this.describe());
  }

  describe() {
    const scheme = SCHEMES.find(([name]) => name === this.scheme)[1];
    return { size: `${Math.round(this.size * 100)}%`, scheme };
  }

  larger(step = 1) {
    const index = SIZES.indexOf(this.size) + step;
    this.size = SIZES[Math.min(SIZES.length - 1, Math.max(0, index))];
    this.apply();
  }

  nextScheme() {
    const index = SCHEMES.findIndex(([name]) => name === this.scheme);
    this.scheme = SCHEMES[(index + 1) % SCHEMES.length][0];
    this.apply();
  }
}
