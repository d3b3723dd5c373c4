// Small behaviours for every page, attached through data-* attributes.

function copyTarget(button) {
  const target = document.querySelector(button.dataset.copy);
  if (!target || !navigator.clipboard) {
    return;
  }
  navigator.clipboard.writeText(target.textContent.trim()).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 2000);
  });
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (button) {
    copyTarget(button);
  }
});

// Forms that destroy something ask first; the message says what will happen.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
