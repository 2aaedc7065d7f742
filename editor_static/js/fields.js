// Form controls for node config fields, one builder per field kind of the `nodeTypes` schema
// (text, longtext, enum, operator, property, number, integer, options, updates, value,
// choice_values).
// `set(value, {ports, typing})` commits the field; `value` may be a function of the current value
// (a list field changing one item); `ports` remaps wires when a decision's buttons change;
// `typing` marks a keystroke (see commitTyping).
import { element } from "./views.js";
import * as catalogue from "./node_types/index.js";
import { isUnary, operatorLabel } from "./property_types.js";
import { readInput, valueInput } from "./values.js";

export function fieldRow(field, config, look, set) {
  const value = config[field.name] ?? field.default;
  const builder = BUILDERS[field.kind] ?? BUILDERS.text;
  const label = `${field.label}${field.required ? " *" : ""}`;
  return element(
    "div",
    { class: "pf-field", "data-field": field.name, role: "group", "aria-label": field.label },
    element("span", { class: "pf-field-label", text: label }),
    builder({ field, value, config, look, set, path: field.name }),
  );
}

const BUILDERS = {
  text: ({ field, value, look, set, path }) =>
    textInput(value, (text, how) => set(text || null, how), {
      "aria-label": field.label,
      placeholder: look.placeholders[field.name],
      "data-path": path,
    }),
  longtext: ({ field, value, look, set, path }) => {
    const area = element("textarea", {
      rows: 3,
      "aria-label": field.label,
      placeholder: look.placeholders[field.name],
      "data-path": path,
    });
    area.value = value ?? "";
    commitTyping(area, () => area.value || null, set);
    const insert = select(
      [["", "Insert property…"], ...catalogue.pickable(null).map((p) => [p.key, p.label])],
      "",
      (key) => {
        if (!key) return;
        const at = area.selectionStart ?? area.value.length;
        set(`${area.value.slice(0, at)}{${key}}${area.value.slice(area.selectionEnd ?? at)}`);
      },
      { "aria-label": "Insert property", "data-path": `${path}.insert` },
    );
    return element("div", { class: "pf-stack" }, area, insert);
  },
  enum: (args) => choice(args, (item) => args.look.choices[args.field.name]?.[item] ?? item),
  operator: (args) => choice(args, operatorLabel),
  property: ({ field, value, set, path }) => propertyPicker(field, value, set, { "aria-label": field.label, "data-path": path }),
  number: ({ field, value, set, path }) => numberInput(value, set, { step: "any", "aria-label": field.label, "data-path": path }),
  integer: ({ field, value, set, path }) => numberInput(value, set, { step: "1", min: "0", "aria-label": field.label, "data-path": path }),
  options: ({ value, set, path }) => optionsEditor(value ?? [], set, path),
  updates: ({ value, set, path }) => updatesEditor(value ?? [], set, path),
  choice_values: ({ value, config, set, path }) => choiceValues(value ?? {}, config, set, path),
  value: ({ field, value, config, set, path }) => {
    if (isUnary(config.op)) return element("p", { class: "pf-muted", text: "No value needed." });
    const attributes = { list: config.op === "IN", "aria-label": field.label, "data-path": path };
    return boundValue(catalogue.property(config.key), value, set, attributes);
  },
};

// A select of the field's choices, each shown as `labelOf(choice)`.
function choice({ field, value, set, path }, labelOf) {
  const pairs = (field.choices ?? []).map((item) => [item, labelOf(item)]);
  // An optional choice without a default (a "Property changed" condition) may stay unset.
  const optional = field.default == null && !field.required;
  if (optional) pairs.unshift(["", "(any)"]);
  const shown = value ?? (optional ? "" : field.choices?.[0]);
  return select(pairs, shown, (item) => set(item || null), { "aria-label": field.label, "data-path": path });
}

function propertyPicker(field, value, set, attributes) {
  const offered = catalogue.pickable(field.propertyTypes);
  const pairs = [
    ["", field.nullable ? "Don't save the answer" : "Choose a property…"],
    ...offered.map((item) => [item.key, `${item.label} (${item.type})`]),
  ];
  // A hidden or deleted property stays visible where it is already used.
  if (value && !offered.some((item) => item.key === value)) {
    pairs.push([value, `${catalogue.propertyLabel(value)} (not offered)`]);
  }
  return select(pairs, value ?? "", (key) => set(key || null), attributes);
}

function optionsEditor(options, set, path) {
  // Removing button i deletes its wire and moves the wires of the buttons after it up by one.
  const without = (index) => {
    const ports = { [index]: null };
    for (let i = index + 1; i < options.length; i += 1) ports[i] = String(i - 1);
    set((list) => list.filter((_, i) => i !== index), { ports });
  };
  return element(
    "div",
    { class: "pf-list" },
    ...options.map((option, index) =>
      element(
        "div",
        { class: "pf-list-row" },
        textInput(option, (text, how) => set((list) => list.map((o, i) => (i === index ? text : o)), how), {
          "aria-label": `Button ${index + 1}`,
          "data-path": `${path}.${index}`,
        }),
        iconButton("✕", `Remove button ${index + 1}`, () => without(index)),
      ),
    ),
    element("button", {
      type: "button",
      text: "Add button",
      "data-path": `${path}.add`,
      onClick: () => set((list) => [...list, `Option ${list.length + 1}`]),
    }),
  );
}

// A decision's value to save per button, keyed by the button's label; empty saves the label.
function choiceValues(values, config, set, path) {
  const property = catalogue.property(config.saveTo);
  if (!config.saveTo) return element("p", { class: "pf-muted", text: "Choose a property above to save the choice." });
  return element(
    "div",
    { class: "pf-list" },
    ...(config.options ?? []).map((option, index) => {
      const input = boundValue(
        property,
        values[option] ?? null,
        (value, how) => set((map) => ({ ...(Array.isArray(map) ? {} : map), [option]: value }), how),
        { "aria-label": `Value saved for ${option}`, "data-path": `${path}.${index}`, placeholder: option },
      );
      return element("label", { class: "pf-list-row pf-choice-value" }, element("span", { text: option }), input);
    }),
  );
}

function updatesEditor(updates, set, path) {
  const replace = (index, change, how) =>
    set((list) => list.map((u, i) => (i === index ? { ...u, ...change } : u)), how);
  return element(
    "div",
    { class: "pf-list" },
    ...updates.map((update, index) =>
      element(
        "div",
        { class: "pf-list-row pf-update" },
        propertyPicker({ propertyTypes: null }, update.key, (key) => replace(index, { key, value: null }), {
          "aria-label": `Property ${index + 1}`,
          "data-path": `${path}.${index}.key`,
        }),
        boundValue(catalogue.property(update.key), update.value, (value, how) => replace(index, { value }, how), {
          "aria-label": `Value ${index + 1}`,
          "data-path": `${path}.${index}.value`,
        }),
        iconButton("✕", `Remove update ${index + 1}`, () => set((list) => list.filter((_, i) => i !== index))),
      ),
    ),
    element("button", {
      type: "button",
      text: "Add property",
      "data-path": `${path}.add`,
      onClick: () => set((list) => [...list, { key: "", value: null }]),
    }),
  );
}

// The value control of values.js, committing what it holds (as the API wants it) as it changes.
function boundValue(property, value, set, options) {
  const input = valueInput(property, value, options);
  commitTyping(input, () => readInput(property, input), set);
  return input;
}

function textInput(value, set, attributes) {
  const input = element("input", { type: "text", ...attributes });
  input.value = value ?? "";
  commitTyping(input, () => input.value, set);
  return input;
}

function numberInput(value, set, attributes) {
  const input = element("input", { type: "number", ...attributes });
  input.value = value ?? "";
  // A number field's value is "" unless it holds a valid number.
  commitTyping(input, () => (input.value === "" ? null : Number(input.value)), set);
  return input;
}

// Text is committed as it is typed, so Ctrl+S, autosave and leaving the page all see it. The
// keystrokes of one visit to the field share a `typing` key, which history.js keeps as one step.
function commitTyping(control, read, set) {
  let session = null;
  control.addEventListener("input", () => set(read(), { typing: (session ??= Symbol("typing")) }));
  control.addEventListener("blur", () => (session = null));
}

function select(pairs, value, set, attributes) {
  const control = element("select", attributes, ...pairs.map(([key, text]) => new Option(text, key)));
  control.value = value ?? "";
  control.addEventListener("change", () => set(control.value));
  return control;
}

function iconButton(text, label, action) {
  return element("button", { type: "button", class: "pf-icon-button", text, "aria-label": label, onClick: action });
}
