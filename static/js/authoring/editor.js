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
