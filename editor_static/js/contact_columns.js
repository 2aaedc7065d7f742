// Which properties the contacts table shows as columns: chosen in a picker and remembered per
// browser in localStorage (every visible property until the operator chooses). At least one
// column stays, since the first cell links to the contact.
import { element } from "./views.js";

const STORAGE_KEY = "propflow.contactColumns";

export function chosenColumns(properties) {
  const known = new Set(properties.map((property) => property.key));
  let saved = null;
  try {
    saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null");
  } catch {
    // a damaged entry: the default columns
  }
  const kept = Array.isArray(saved) ? saved.filter((key) => known.has(key)) : [];
  if (kept.length) return kept;
  return properties.filter((property) => !property.hidden).map((property) => property.key);
}

// A "Columns" button opening a list of checkboxes; `onChange(keys)` after each change.
export function columnPicker(properties, columns, onChange) {
  const panel = element("div", { class: "pf-column-panel", role: "group", "aria-label": "Columns shown", hidden: true });
  const button = element("button", { type: "button", "aria-expanded": "false", text: "Columns" });
  const setOpen = (open) => {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
  };
  button.addEventListener("click", () => setOpen(panel.hidden));
  panel.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    setOpen(false);
    button.focus();
  });
  for (const property of properties) {
    const box = element("input", { type: "checkbox", checked: columns.includes(property.key), "aria-label": `Column ${property.label}` });
    box.addEventListener("change", () => {
      const checked = new Set([...panel.querySelectorAll("input:checked")].map((input) => input.dataset.key));
      const keys = properties.map((item) => item.key).filter((key) => checked.has(key));
      localStorage.setItem(STORAGE_KEY, JSON.stringify(keys));
      keepOne(panel);
      onChange(keys);
    });
    box.dataset.key = property.key;
    panel.append(element("label", {}, box, ` ${property.label}`));
  }
  keepOne(panel);
  return element("div", { class: "pf-column-picker" }, button, panel);
}

function keepOne(panel) {
  const checked = panel.querySelectorAll("input:checked");
  for (const input of panel.querySelectorAll("input")) input.disabled = checked.length === 1 && input.checked;
}
