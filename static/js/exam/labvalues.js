// The normal laboratory values panel of the exam interface: one table per section of
// apps/questions/lab_values.json, filtered as the student types so a value is found in seconds.
// Data only ever reaches the page through textContent, and nothing is styled inline, so the panel
// works under the site's Content Security Policy.

let panelCount = 0;

function decimals(value) {
  const text = String(value);
  const point = text.indexOf(".");
  return point === -1 ? 0 : text.length - point - 1;
}

function withUnit(text, unit) {
  // "54–62%" and "0–5/mm³" read better without a space; "136–146 mEq/L" needs one.
  return unit.startsWith("%") || unit.startsWith("/") ? `${text}${unit}` : `${text} ${unit}`;
}

// JSON drops trailing zeros, so both bounds get the decimals of the more precise one: "3.5–5"
// reads "3.5–5.0" as printed. A bound of zero stays "0" ("0–0.75%", not "0.00–0.75%").
function formatRange(range) {
  if (!range) {
    return "—";
  }
  const places = Math.max(decimals(range.low ?? 0), decimals(range.high ?? 0));
  const number = new Intl.NumberFormat("en-US", {
    minimumFractionDigits: places,
    maximumFractionDigits: places,
  });
  const format = (value) => (value === 0 ? "0" : number.format(value));
  if (range.low === null) {
    return withUnit(`< ${format(range.high)}`, range.unit);
  }
  if (range.high === null) {
    return withUnit(`> ${format(range.low)}`, range.unit);
  }
  return withUnit(`${format(range.low)}–${format(range.high)}`, range.unit);
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function headerRow() {
  const row = element("tr");
  for (const title of ["Test", "Reference range (conventional)", "Reference range (SI)"]) {
    const cell = element("th", "labs-column", title);
    cell.scope = "col";
    row.append(cell);
  }
  return row;
}

function bodyRow(row) {
  const tr = element("tr", "labs-row");
  const test = element("th", "labs-test", row.analyte);
  test.scope = "row";
  if (row.note) {
    test.append(element("span", "labs-note", row.note));
  }
  const si = element("td", "labs-range", formatRange(row.si));
  if (!row.si) {
    si.classList.add("labs-range--none");
    si.append(element("span", "labs-visually-hidden", "No SI conversion"));
  }
  tr.append(test, element("td", "labs-range", formatRange(row.conventional)), si);
  return tr;
}

function buildSection(section, id) {
  const wrapper = element("section", "labs-section");
  const heading = element("h2", "labs-heading", section.name);
  heading.id = id;
  const table = element("table", "labs-table");
  table.setAttribute("aria-labelledby", id);
  const head = element("thead");
  head.append(headerRow());
  const body = element("tbody");
  const rows = section.rows.map((row) => {
    const tr = bodyRow(row);
    body.append(tr);
    return { tr, text: row.analyte.toLowerCase() };
  });
  table.append(head, body);
  const scroller = element("div", "labs-table-wrap");
  scroller.append(table);
  wrapper.append(heading, scroller);
  return { wrapper, name: section.name.toLowerCase(), rows };
}

function applyFilter(sections, status, query) {
  const needle = query.trim().toLowerCase();
  let shown = 0;
  for (const section of sections) {
    const sectionMatches = section.name.includes(needle);
    let visible = 0;
    for (const row of section.rows) {
      const match = sectionMatches || row.text.includes(needle);
      row.tr.hidden = !match;
      visible += match ? 1 : 0;
    }
    section.wrapper.hidden = visible === 0;
    shown += visible;
  }
  status.textContent = shown === 0 ? `No lab value matches “${query.trim()}”.` : "";
}

// Builds the panel inside `root`, replacing whatever was there, and returns the panel element.
// `data` has the shape of lab_values.json: {sections: [{name, rows: [...]}]}.
export function mountLabValues(root, data) {
  panelCount += 1;
  const prefix = `labs-${panelCount}`;
  const panel = element("div", "labs-panel");

  const search = element("div", "labs-search");
  const label = element("label", "labs-search__label", "Search lab values");
  label.htmlFor = `${prefix}-search`;
  const input = element("input", "labs-search__input");
  input.type = "search";
  input.id = `${prefix}-search`;
  input.autocomplete = "off";
  input.spellcheck = false;
  search.append(label, input);

  const status = element("p", "labs-status");
  status.setAttribute("role", "status");

  const sections = data.sections.map((section, index) =>
    buildSection(section, `${prefix}-section-${index}`),
  );
  panel.append(search, status, ...sections.map((section) => section.wrapper));
  root.replaceChildren(panel);

  input.addEventListener("input", () => applyFilter(sections, status, input.value));
  return panel;
}
