// CSV import on the Contacts page: pick a file, map its columns to properties (matched by key or
// label, as the server does), dry run, then import; the counts and a file of the failed rows.
import { contacts } from "./api.js";
import { element, fill } from "./views.js";
import * as notice from "./notice.js";

const HEADER_BYTES = 64 * 1024;

// {element, toggle()}; `onImported()` runs after a real import.
export function importPanel(properties, onImported) {
  const panel = element("section", { class: "pf-import", "aria-label": "Import contacts", hidden: true });
  const file = element("input", { type: "file", accept: ".csv,text/csv", "aria-label": "CSV file" });
  const mapping = element("div");
  const report = element("div");
  file.addEventListener("change", async () => {
    fill(report);
    fill(mapping);
    if (!file.files.length) return;
    try {
      fill(mapping, mappingForm(properties, file.files[0], await headerOf(file.files[0]), report, onImported));
    } catch (error) {
      notice.failure(error);
    }
  });
  fill(panel, element("h2", { text: "Import contacts from CSV" }), element("p", { class: "pf-muted", text: "Rows update the contact with the same email (or id column) and create the others." }), file, mapping, report);
  return { element: panel, toggle: () => (panel.hidden = !panel.hidden) };
}

function mappingForm(properties, file, header, report, onImported) {
  const byName = new Map();
  for (const property of properties) {
    byName.set(property.key.toLowerCase(), property.key);
    byName.set(property.label.toLowerCase(), property.key);
  }
  byName.set("id", "id");
  const selects = header.map((name) => {
    const select = element("select", { "aria-label": `Property for column ${name}` });
    select.append(new Option("Skip this column", ""), new Option("Contact id (update by id)", "id"));
    for (const property of properties) select.append(new Option(`${property.label} (${property.key})`, property.key));
    select.value = byName.get(name.toLowerCase()) ?? "";
    return { name, select, matched: byName.has(name.toLowerCase()) };
  });
  const skipUnknown = element("input", { type: "checkbox", checked: true, "aria-label": "Skip unknown columns" });
  const run = async (dryRun) => {
    try {
      const answer = await contacts.importCsv(file, { dryRun, mapping: mappingOf(selects), skipUnknown: skipUnknown.checked });
      fill(report, reportOf(answer));
      if (!dryRun) onImported();
    } catch (error) {
      fill(report, element("p", { class: "pf-error", role: "alert", text: error.message }));
    }
  };
  return element(
    "div",
    { class: "pf-import-mapping" },
    element(
      "table",
      { "aria-label": "Column mapping" },
      element("thead", {}, element("tr", {}, element("th", { text: "Column in the file" }), element("th", { text: "Property" }))),
      element("tbody", {}, ...selects.map(({ name, select }) => element("tr", {}, element("td", { text: name }), element("td", {}, select)))),
    ),
    element("label", {}, skipUnknown, " Skip unknown columns (otherwise the import is refused)"),
    element(
      "div",
      { class: "pf-row" },
      element("button", { type: "button", text: "Dry run", onClick: () => run(true) }),
      element("button", { type: "button", class: "pf-primary", text: "Import contacts", onClick: () => run(false) }),
    ),
  );
}

// Columns the operator mapped, and matched columns they chose to skip (""); a column that matches
// nothing and stays unmapped is left to the server, which skips or refuses it (skipUnknown).
function mappingOf(selects) {
  const mapping = {};
  for (const { name, select, matched } of selects) {
    if (select.value || matched) mapping[name] = select.value;
  }
  return mapping;
}

function reportOf(answer) {
  const counts = `${answer.created} created, ${answer.updated} updated, ${answer.unchanged} unchanged, ${answer.failed} failed`;
  const failedRows = answer.failedRowsCsv
    ? element("a", {
        href: URL.createObjectURL(new Blob([answer.failedRowsCsv], { type: "text/csv" })),
        download: "failed-rows.csv",
        text: "Download failed rows",
      })
    : null;
  return element(
    "div",
    { class: "pf-import-report", role: "status", "data-dry-run": String(answer.dryRun), "data-failed": String(answer.failed) },
    element("p", { text: answer.dryRun ? `Dry run, nothing written: ${counts}.` : `Imported: ${counts}.` }),
    answer.skippedColumns.length ? element("p", { class: "pf-muted", text: `Skipped columns: ${answer.skippedColumns.join(", ")}` }) : null,
    failedRows,
  );
}

// The header cells of a CSV file: its first record, quotes handled (RFC 4180).
async function headerOf(file) {
  const text = (await file.slice(0, HEADER_BYTES).text()).replace(/^\uFEFF/, "");
  const cells = [];
  let cell = "";
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') cell += text[index++];
      else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === "\n" || char === "\r") break;
    else if (char !== ",") cell += char;
    else {
      cells.push(cell.trim());
      cell = "";
    }
  }
  cells.push(cell.trim());
  if (!cells.some(Boolean)) throw new Error("The file has no header row naming its columns.");
  return cells;
}
