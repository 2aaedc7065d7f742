// A property value as text and as an input, by the property's type: the one value control of the
// contacts table's filters, the contact details and the flow editor's value fields.
import { element } from "./views.js";

const INPUT_TYPES = { NUMBER: "number", EMAIL: "email", URL: "url", PHONE: "tel", DATE: "date" };

export function formatValue(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  return String(value);
}

// An input fitting `property` (no property yet counts as text): Yes/No for BOOLEAN, the options
// for SELECT, a number, date, email, url or tel field for the others. `list` asks for several
// values (the IN operator): a multiple select for BOOLEAN and SELECT, comma-separated text otherwise.
export function valueInput(property, value, { list = false, ...attributes } = {}) {
  const type = property?.type;
  if (type === "BOOLEAN" || type === "SELECT") {
    const pairs = type === "BOOLEAN" ? [["true", "Yes"], ["false", "No"]] : (property.options ?? []).map((o) => [o, o]);
    const chosen = (list && Array.isArray(value) ? value : [value]).map((item) => String(item ?? ""));
    const select = element("select", { multiple: list, ...attributes });
    if (!list) select.append(new Option("—", ""));
    for (const [key, text] of pairs) select.append(new Option(text, key, false, chosen.includes(key)));
    return select;
  }
  if (list) {
    const shown = Array.isArray(value) ? value.join(", ") : (value ?? "");
    return element("input", { type: "text", placeholder: "a, b, c", "data-list": true, value: shown, ...attributes });
  }
  return element("input", {
    type: INPUT_TYPES[type] ?? "text",
    step: type === "NUMBER" ? "any" : null,
    value: value ?? "",
    ...attributes,
  });
}

// The value an input made by valueInput holds, as the API wants it: a list for `list` inputs,
// null for an empty field (clears the value).
export function readInput(property, input) {
  if (input.multiple) return [...input.selectedOptions].map((option) => parse(property, option.value));
  if (input.dataset.list !== undefined) {
    return input.value.split(",").map((item) => item.trim()).filter(Boolean).map((item) => parse(property, item));
  }
  if (input.value.trim() === "") return null;
  return parse(property, input.value);
}

// Shows `value` in a single-value input made by valueInput.
export function writeInput(input, value) {
  input.value = value === null || value === undefined ? "" : String(value);
}

// Text as the property's type: a number for NUMBER (unless it is not one: the server names the
// refusal), true/false for BOOLEAN.
function parse(property, text) {
  if (property?.type === "BOOLEAN") return text === "true";
  if (property?.type === "NUMBER" && !Number.isNaN(Number(text))) return Number(text);
  return text;
}
