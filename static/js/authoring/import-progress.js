// Shows an import's progress while a worker checks or imports the file, then reloads the page
// to show the report. The job's state lives on the server; this only asks for it.

const POLL_MS = 1000;
const WORKING = new Set(["analysing", "importing"]);

function describe(job) {
  if (job.status === "analysing") {
    return "Checking every item…";
  }
  return `${job.processed} of ${job.total} items imported…`;
}

async function poll(block) {
  const progress = block.querySelector("progress");
  const message = block.querySelector("[data-import-message]");
  try {
    const response = await fetch(block.dataset.url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (response.ok) {
      const job = await response.json();
      if (!WORKING.has(job.status)) {
        window.location.reload();
        return;
      }
      progress.max = Math.max(job.total, 1);
      progress.value = job.processed;
      message.textContent = describe(job);
    }
  } catch {
    message.textContent = "Waiting for the server…";
  }
  setTimeout(() => poll(block), POLL_MS);
}

const block = document.querySelector("[data-import-progress]");
if (block) {
  poll(block);
}
