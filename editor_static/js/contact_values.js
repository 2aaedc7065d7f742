// A property value as text and as an input, by the property's type: shared by the contacts
// table, its filters and the contact details.
import { element } from "./views.js";

const INPUT_TYPES = { NUMBER: "number", EMAIL: "email", URL: "url", PHONE: "tel", DATE: "date" };

export function formatValue(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  return String(value);
}

// An input fitting `property`: a checkbox for BOOLEAN, a select for SELECT (multiple for IN),
// a number, date, email, url or tel field for the others.
export function valueInput(property, value, attributes = {}) {
  if (property.type === "BOOLEAN") {
    return element("input", { type: "checkbox", checked: value === true, ...attributes });
  }
  if (property.type === "SELECT") {
    const select = element("select", attributes);
    if (!attributes.multiple) select.append(new Option("—", ""));
    for (const option of property.options ?? []) select.append(new Option(option, option, false, option === value));
    return select;
  }
  return element("input", {
    type: INPUT_TYPES[property.type] ?? "text",
    step: property.type === "NUMBER" ? "any" : null,
    value: value ?? "",
    ...attributes,
  });
}

// The value an input holds, as the API wants it; null for an empty field (clears the value).
export function readInput(property, input) {
  if (property.type === "BOOLEAN") return input.checked;
  if (input.multiple) return [...input.selectedOptions].map((option) => option.value);
  if (input.value.trim() === "") return null;
  return property.type === "NUMBER" ? Number(input.value) : input.value;
}

// Shows `value` in an input made by valueInput.
export function writeInput(property, input, value) {
  if (property.type === "BOOLEAN") input.checked = value === true;
  else input.value = value ?? "";
}
