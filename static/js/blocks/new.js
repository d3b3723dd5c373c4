// Keeps the counts beside each choice of the block form current as the student changes it,
// and says when a list of question ids makes it a custom block instead.

const DELAY_MS = 250;
const ID_SEPARATORS = /[\s,;]+/;

function choices(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
}

function customIds(form) {
  const list = form.querySelector('textarea[name="question_ids"]');
  return list ? list.value.split(ID_SEPARATORS).filter(Boolean) : [];
}

function say(form, text) {
  form.querySelector("[data-counts-status]").textContent = text;
}

async function refresh(form) {
  const custom = customIds(form).length;
  if (custom) {
    say(
      form,
      `A custom block of ${custom} question${custom === 1 ? "" : "s"}: pools, filters and the number of items are ignored.`,
    );
    return;
  }
  const query = new URLSearchParams();
  for (const name of ["pools", "exams", "disciplines", "systems"]) {
    choices(form, name).forEach((value) => query.append(name, value));
  }
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
    say(form, `${counts.pools.all} questions in these exams, disciplines and systems.`);
  } catch {
    say(form, "The counts could not be updated.");
  }
}

const form = document.querySelector("form[data-counts-url]");
if (form) {
  let timer;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(() => refresh(form), DELAY_MS);
  };
  form.addEventListener("change", later);
  form.addEventListener("input", (event) => {
    if (event.target.name === "question_ids") {
      later();
    }
  });
  if (customIds(form).length) {
    refresh(form);
  }
}
