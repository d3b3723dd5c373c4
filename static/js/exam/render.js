// Draws an item from the API's data into the item template the server renders (the same
// markup as the authoring preview and review), and lays the student's state over it.

const TEMPLATE_OPTION = ".option";

function fill(node, selector, html) {
  const target = node.querySelector(selector);
  if (target) {
    target.innerHTML = html; // sanitised on the server when the question was saved
  }
}

function optionNode(prototype, option, review, position) {
  const node = prototype.cloneNode(true);
  node.dataset.letter = option.letter;
  const input = node.querySelector("input");
  input.value = option.letter;
  input.name = `answer-${position}`;
  node.querySelector(".option__letter").textContent = `${option.letter}.`;
  node.querySelector(".option__text").innerHTML = option.text_html;
  const strike = document.createElement("button");
  strike.type = "button";
  strike.className = "option__strike";
  strike.dataset.strike = option.letter;
  strike.setAttribute("aria-pressed", "false");
  strike.setAttribute("aria-label", `Strike out ${option.letter}`);
  strike.title = "Strike out (Shift + letter, or right-click)";
  strike.textContent = "S̶";
  node.prepend(strike);
  if (review) {
    const isKey = option.letter === review.key;
    node.classList.toggle("option--correct", isKey);
    const verdict = node.querySelector(".option__verdict");
    verdict.dataset.verdict = isKey ? "Correct answer" : "Incorrect";
    verdict.textContent = verdict.dataset.verdict;
    verdict.insertAdjacentHTML("afterend", review.options[option.letter] || "");
  }
  return node;
}

// A slot of the skeleton becomes its HTML; an empty part goes with its heading.
function fillSlot(section, name, html) {
  const slot = section.querySelector(`[data-slot="${name}"]`);
  if (html) {
    slot.insertAdjacentHTML("beforebegin", html);
  } else {
    slot.previousElementSibling?.remove();
  }
  slot.remove();
}

function fillReview(node, review) {
  const section = node.querySelector(".item__explanation");
  fillSlot(section, "explanation", review.explanation_html);
  fillSlot(section, "objective", review.objective_html);
  const references = section.querySelector(".item__references");
  const prototype = references.querySelector("li");
  prototype.remove();
  for (const reference of review.references) {
    const li = prototype.cloneNode(false);
    li.textContent = reference;
    references.append(li);
  }
  if (!review.references.length) {
    references.previousElementSibling.remove();
    references.remove();
  }
}

export function renderItem(container, item, skeletons) {
  const skeleton = item.review ? skeletons.revealed : skeletons.plain;
  const node = skeleton.content.firstElementChild.cloneNode(true);
  fill(node, ".item__stem", item.stem_html);
  fill(node, ".item__lead-in", item.lead_in_html);
  const prototype = node.querySelector(TEMPLATE_OPTION);
  const list = prototype.parentElement;
  prototype.remove();
  for (const option of item.options) {
    list.append(optionNode(prototype, option, item.review, item.position));
  }
  if (item.review) {
    fillReview(node, item.review);
  }
  container.replaceChildren(node);
}

// The student's state, on an item already drawn.
export function showState(container, state, { locked }) {
  for (const option of container.querySelectorAll(".option")) {
    const letter = option.dataset.letter;
    const input = option.querySelector("input");
    input.checked = state.answer === letter;
    input.disabled = locked;
    const struck = state.struck.includes(letter);
    option.classList.toggle("option--struck", struck);
    option.classList.toggle("option--chosen", state.answer === letter);
    const verdict = option.querySelector(".option__verdict[data-verdict]");
    if (verdict) {
      const chosen = state.answer === letter ? " · your answer" : "";
      verdict.textContent = `${verdict.dataset.verdict}${chosen}`;
    }
    const strike = option.querySelector("[data-strike]");
    strike.setAttribute("aria-pressed", String(struck));
    strike.setAttribute("aria-label", `${struck ? "Restore" : "Strike out"} ${letter}`);
  }
}
