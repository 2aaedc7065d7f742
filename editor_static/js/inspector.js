// The config form of the selected node, generated from its node type's configSchema. Property
// pickers offer only visible properties of the allowed types; value inputs follow the property.
import { on } from "./events.js";
import * as model from "./model.js";

let root;
let types = {};
let properties = [];
let nodeId = null;

export function init(element, nodeTypes, propertyList) {
  root = element;
  types = Object.fromEntries(nodeTypes.map((type) => [type.type, type]));
  properties = propertyList.filter((property) => !property.hidden);
  on("selection:change", (selection) => {
    nodeId = selection?.nodeId ?? null;
    render();
  });
  on("document:change", ({ label }) => label === "replace" && render());
  on("document:load", () => {
    nodeId = null;
    render();
  });
  render();
}

function render() {
  const node = nodeId ? model.node(nodeId) : null;
  root.innerHTML = "";
  if (!node) {
    root.append(paragraph("Select a node to edit it, or drag one from the palette."));
    return;
  }
  const type = types[node.type];
  const title = document.createElement("h2");
  title.textContent = type?.label ?? node.type;
  root.append(title, paragraph(`id: ${node.id}`, "pf-muted"));
  const config = structuredClone(node.config ?? {});
  for (const field of type?.configSchema.fields ?? []) {
    root.append(fieldRow(field, config, node));
  }
  const remove = button("Delete node", () => model.removeNode(node.id));
  remove.classList.add("pf-danger");
  root.append(remove);
}

function commit(node, config) {
  model.setConfig(node.id, config);
}

function fieldRow(field, config, node) {
  const row = document.createElement("div");
  row.className = "pf-field";
  row.dataset.field = field.name;
  row.setAttribute("role", "group");
  row.setAttribute("aria-label", field.label);
  const caption = document.createElement("span");
  caption.textContent = field.label + (field.required ? " *" : "");
  row.append(caption);
  const value = config[field.name] ?? field.default;
  // `reshape`: the edit adds or removes rows, so the form is drawn again.
  const set = (next, reshape = false) => {
    config[field.name] = next;
    commit(node, config);
    if (reshape) render();
  };
  const builders = {
    text: () => textInput(value, set),
    longtext: () => longText(value, set),
    enum: () => choice(field.choices, value, set),
    operator: () => choice(field.choices, value, set),
    property: () => propertyPicker(field, value, (key) => set(key, true)),
    number: () => numberInput(value, set, "any"),
    integer: () => numberInput(value, set, "1"),
    options: () => optionsEditor(value ?? [], set),
    updates: () => updatesEditor(value ?? [], set),
    value: () => valueInput(propertyOf(config.key), value, set),
  };
  const control = (builders[field.kind] ?? builders.text)();
  if (["INPUT", "SELECT", "TEXTAREA"].includes(control.tagName)) {
    control.setAttribute("aria-label", field.label);
  }
  row.append(control);
  return row;
}

function propertyOf(key) {
  return properties.find((property) => property.key === key);
}

function textInput(value, set) {
  const input = document.createElement("input");
  input.value = value ?? "";
  input.addEventListener("change", () => set(input.value));
  return input;
}

function longText(value, set) {
  const box = document.createElement("div");
  const area = document.createElement("textarea");
  area.rows = 3;
  area.value = value ?? "";
  area.addEventListener("change", () => set(area.value));
  const insert = document.createElement("select");
  insert.setAttribute("aria-label", "Insert property");
  insert.append(new Option("Insert property…", ""));
  for (const property of properties) insert.append(new Option(property.label, property.key));
  insert.addEventListener("change", () => {
    if (!insert.value) return;
    const at = area.selectionStart ?? area.value.length;
    area.value = `${area.value.slice(0, at)}{${insert.value}}${area.value.slice(at)}`;
    insert.value = "";
    set(area.value);
  });
  box.append(area, insert);
  return box;
}

function choice(choices, value, set) {
  const select = document.createElement("select");
  for (const option of choices ?? []) select.append(new Option(option, option));
  select.value = value ?? choices?.[0] ?? "";
  select.addEventListener("change", () => set(select.value));
  return select;
}

function propertyPicker(field, value, set) {
  const select = document.createElement("select");
  const allowed = field.propertyTypes;
  if (field.nullable) select.append(new Option("Don't save the answer", ""));
  else select.append(new Option("Choose a property…", ""));
  for (const property of properties) {
    if (allowed && !allowed.includes(property.type)) continue;
    select.append(new Option(`${property.label} (${property.type})`, property.key));
  }
  select.value = value ?? "";
  select.addEventListener("change", () => set(select.value || null));
  return select;
}

function numberInput(value, set, step) {
  const input = document.createElement("input");
  input.type = "number";
  input.step = step;
  input.value = value ?? "";
  input.addEventListener("change", () => set(input.value === "" ? null : Number(input.value)));
  return input;
}

function valueInput(property, value, set) {
  if (property?.type === "BOOLEAN") {
    const select = choice(["true", "false"], String(value ?? "true"), (v) => set(v === "true"));
    return select;
  }
  if (property?.type === "SELECT") return choice(property.options ?? [], value, set);
  const input = document.createElement("input");
  input.type = { NUMBER: "number", DATE: "date", EMAIL: "email", URL: "url" }[property?.type] ?? "text";
  if (input.type === "number") input.step = "any";
  input.value = value ?? "";
  input.addEventListener("change", () => {
    const raw = input.value;
    set(input.type === "number" && raw !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw);
  });
  return input;
}

function optionsEditor(options, set) {
  const list = document.createElement("div");
  list.className = "pf-list";
  options.forEach((option, index) => {
    const row = document.createElement("div");
    row.className = "pf-list-row";
    const input = textInput(option, (text) => set(options.map((o, i) => (i === index ? text : o))));
    input.setAttribute("aria-label", `Button ${index + 1}`);
    const remove = () => set(options.filter((_, i) => i !== index), true);
    row.append(input, button("✕", remove, `Remove button ${index + 1}`));
    list.append(row);
  });
  list.append(button("Add button", () => set([...options, `Option ${options.length + 1}`], true)));
  return list;
}

function updatesEditor(updates, set) {
  const list = document.createElement("div");
  list.className = "pf-list";
  updates.forEach((update, index) => {
    const row = document.createElement("div");
    row.className = "pf-list-row";
    const replaceAt = (next, reshape) => set(updates.map((u, i) => (i === index ? next : u)), reshape);
    const picker = propertyPicker({ propertyTypes: null }, update.key, (key) =>
      replaceAt({ key, value: null }, true),
    );
    picker.setAttribute("aria-label", `Property ${index + 1}`);
    const input = valueInput(propertyOf(update.key), update.value, (value) => replaceAt({ ...update, value }));
    input.setAttribute("aria-label", `Value ${index + 1}`);
    const remove = () => set(updates.filter((_, i) => i !== index), true);
    row.append(picker, input, button("✕", remove, `Remove update ${index + 1}`));
    list.append(row);
  });
  list.append(button("Add property", () => set([...updates, { key: "", value: null }], true)));
  return list;
}

function button(text, action, label) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = text;
  if (label) element.setAttribute("aria-label", label);
  element.addEventListener("click", action);
  return element;
}

function paragraph(text, className) {
  const element = document.createElement("p");
  element.textContent = text;
  if (className) element.className = className;
  return element;
}
