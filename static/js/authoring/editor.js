// Live preview for the question editor: the server renders (and sanitises) what authors type,
// so the preview shows exactly what students will see.

const DELAY_MS = 300;

function csrfToken() {
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function renderPreview(url, text) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify({ markup: "markdown", text }),
  });
  if (!response.ok) {
    throw new Error(`preview failed with ${response.status}`);
  }
  return (await response.json()).html;
}

function attachPreview(form) {
  const url = form.dataset.previewUrl;
  const status = form.querySelector("[data-preview-status]");
  const timers = new Map();

  async function update(input) {
    const target = form.querySelector(`[data-preview-target="${input.dataset.preview}"]`);
    if (!target) {
      return;
    }
    try {
      // The HTML comes from the server's allow-list sanitiser.
      target.innerHTML = await renderPreview(url, input.value);
      status.textContent = "";
    } catch {
      status.textContent = "The preview could not be updated; your text is not lost.";
    }
  }

  form.addEventListener("input", (event) => {
    const input = event.target.closest("[data-preview]");
    if (!input) {
      return;
    }
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(() => update(input), DELAY_MS));
  });
  form.querySelectorAll("[data-preview]").forEach((input) => update(input));
}

document.querySelectorAll("form[data-preview-url]").forEach(attachPreview);

// Image upload: the server checks and stores the image, and the editor inserts its Markdown.
function attachImageUpload(box) {
  const stem = document.querySelector("textarea[data-preview='stem']");
  const file = box.querySelector("[data-image-file]");
  const alt = box.querySelector("[data-image-alt]");
  const status = box.querySelector("[data-image-status]");

  box.querySelector("[data-image-add]").addEventListener("click", async () => {
    if (!file.files.length || !alt.value.trim()) {
      status.textContent = "Choose an image and describe it first.";
      return;
    }
    const body = new FormData();
    body.append("file", file.files[0]);
    body.append("alt", alt.value.trim());
    status.textContent = "Uploading…";
    const response = await fetch(box.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
      body,
    });
    const answer = await response.json();
    if (!response.ok) {
      const messages = Object.values(answer.error.fields).flat();
      status.textContent = messages.join(" ") || answer.error.message;
      return;
    }
    stem.value = `${stem.value.trimEnd()}\n\n${answer.markdown}\n`;
    stem.dispatchEvent(new Event("input", { bubbles: true }));
    file.value = "";
    alt.value = "";
    status.textContent = "Image added to the vignette.";
  });
}

document.querySelectorAll("[data-image-upload]").forEach(attachImageUpload);

// Item-writing checks as the author writes: the server runs the same checker as the question
// page, the import report and manage.py check_bank, and the editor lists what it finds.
const CHECK_DELAY_MS = 600;

function itemFromForm(form) {
  const value = (name) => form.elements[name]?.value ?? "";
  const correct = form.querySelector("input[name='correct']:checked")?.value ?? "";
  const options = [];
  form.querySelectorAll(".option-row").forEach((row, index) => {
    const text = value(`option_${index}`).trim();
    const explanation = value(`explanation_${index}`).trim();
    if (text || explanation) {
      const letter = row.querySelector("input[name='correct']").value;
      options.push({ text, explanation, correct: letter === correct });
    }
  });
  const waivers = {};
  value("waivers")
    .split("\n")
    .forEach((line) => {
      const colon = line.indexOf(":");
      if (colon > 0) {
        waivers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
      }
    });
  const references = value("references")
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  return {
    markup: "markdown",
    stem: value("stem"),
    lead_in: value("lead_in"),
    options,
    explanation: value("explanation"),
    objective: value("objective"),
    references,
    waivers,
  };
}

function findingItem(finding) {
  const item = document.createElement("li");
  item.className = `checks__finding${finding.waived ? " checks__finding--waived" : ""}`;
  const badge = document.createElement("span");
  badge.className = `badge${finding.waived ? "" : " badge--flag"}`;
  badge.textContent = finding.waived ? "waived" : finding.severity;
  const rule = document.createElement("code");
  rule.textContent = finding.rule;
  item.append(badge, " ", rule, ` ${finding.message}`);
  if (finding.waived) {
    const reason = document.createElement("span");
    reason.className = "hint";
    reason.textContent = `Waived: ${finding.waiver}`;
    item.append(" ", reason);
  }
  return item;
}

function showChecks(results, answer, ok) {
  const paragraph = document.createElement("p");
  if (!ok) {
    const fields = answer?.error?.fields ?? {};
    const messages = Object.entries(fields).map(([name, list]) => `${name}: ${list.join(" ")}`);
    paragraph.textContent = `Checks wait for a complete item. ${messages.join(" ")}`.trim();
    results.replaceChildren(paragraph);
    return;
  }
  if (!answer.findings.length) {
    paragraph.textContent = "The checker finds nothing.";
    results.replaceChildren(paragraph);
    return;
  }
  const list = document.createElement("ul");
  list.className = "checks__list";
  list.append(...answer.findings.map(findingItem));
  results.replaceChildren(list);
}

function attachChecks(form) {
  const panel = form.querySelector("[data-checks-url]");
  if (!panel) {
    return;
  }
  const results = panel.querySelector("[data-checks-results]");
  let timer;

  async function check() {
    try {
      const response = await fetch(panel.dataset.checksUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(itemFromForm(form)),
      });
      showChecks(results, await response.json(), response.ok);
    } catch {
      results.textContent = "The checks could not be updated; your text is not lost.";
    }
  }

  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(check, CHECK_DELAY_MS);
  });
  form.addEventListener("change", () => {
    clearTimeout(timer);
    timer = setTimeout(check, CHECK_DELAY_MS);
  });
}

document.querySelectorAll("form[data-preview-url]").forEach(attachChecks);
