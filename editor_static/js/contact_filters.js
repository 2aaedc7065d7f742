// The contacts table's filter bar: chips for the active filters (the contract's
// {key, op, value}) and a builder offering the operators that fit the chosen property's type
// (property_types.js, as the server publishes them).
import { isUnary, operatorLabel, operatorsFor } from "./property_types.js";
import { formatValue, readInput, valueInput } from "./values.js";
import { element } from "./views.js";

// "Shoe size ≥ 40": how a chip names a filter.
export function describe(filter, properties) {
  const label = properties.find((property) => property.key === filter.key)?.label ?? filter.key;
  if (isUnary(filter.op)) return `${label} ${operatorLabel(filter.op)}`;
  const value = Array.isArray(filter.value) ? filter.value.join(", ") : formatValue(filter.value);
  return `${label} ${operatorLabel(filter.op)} ${value}`;
}

// `onChange(filters)` gets the new list after a filter is added or removed.
export function filterBar(properties, filters, onChange) {
  const chips = filters.map((filter, index) => {
    const text = describe(filter, properties);
    return element(
      "span",
      { class: "pf-filter-chip", "data-key": filter.key },
      element("span", { class: "pf-filter-text", text }),
      element("button", {
        type: "button",
        class: "pf-icon-button",
        text: "✕",
        "aria-label": `Remove filter ${text}`,
        onClick: () => onChange(filters.filter((_, other) => other !== index)),
      }),
    );
  });
  return element("div", { class: "pf-filter-bar" }, ...chips, builder(properties, (filter) => onChange([...filters, filter])));
}

// Starts with no property chosen: the operator and value appear once one is.
function builder(properties, add) {
  const key = element("select", { "aria-label": "Filter property" }, new Option("Filter by…", ""));
  for (const property of properties) key.append(new Option(property.label, property.key));
  const op = element("select", { "aria-label": "Filter operator" });
  const slot = element("span", { class: "pf-filter-value" });
  let value = null;
  const property = () => properties.find((item) => item.key === key.value);
  const showValue = () => {
    value = isUnary(op.value) ? null : valueInput(property(), null, { "aria-label": "Filter value", list: op.value === "IN" });
    slot.replaceChildren(...(value ? [value] : []));
  };
  const submit = element("button", { type: "submit", text: "Add filter" });
  const showOperators = () => {
    const chosen = property();
    op.replaceChildren(...(chosen ? operatorsFor(chosen.type) : []).map((item) => new Option(item.label, item.op)));
    op.hidden = submit.hidden = !chosen;
    if (chosen) showValue();
    else slot.replaceChildren();
  };
  key.addEventListener("change", showOperators);
  op.addEventListener("change", showValue);
  showOperators();
  const form = element("form", { class: "pf-filter-builder" }, key, op, slot, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!property()) return;
    const filter = { key: key.value, op: op.value };
    if (value) filter.value = readInput(property(), value);
    add(filter);
  });
  return form;
}
