// Keeps the counts beside each choice of the block form current as the student changes it.

const DELAY_MS = 250;

function choices(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
}

async function refresh(form) {
  const query = new URLSearchParams();
  for (const name of ["pools", "exams", "disciplines", "systems"]) {
    choices(form, name).forEach((value) => query.append(name, value));
  }
  const status = form.querySelector("[data-counts-status]");
  try {
    const response = await fetch(`${form.dataset.countsUrl}?${query}`, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) {
      throw new Error(String(response.status));
    }
    const counts = await response.json();
    form.querySelectorAll("[data-count]").forEach((badge) => {
      const [group, value] = badge.dataset.count.split(":");
      badge.textContent = String(counts[group][value] ?? 0);
    });
    status.textContent = `${counts.pools.all} questions in these exams, disciplines and systems.`;
  } catch {
    status.textContent = "The counts could not be updated.";
  }
}

const form = document.querySelector("form[data-counts-url]");
if (form) {
  let timer;
  form.addEventListener("change", () => {
    clearTimeout(timer);
    timer = setTimeout(() => refresh(form), DELAY_MS);
  });
}
