// The node-type catalogue. Rules (config fields, ports, trigger, waits) come from the server's
// `nodeTypes` query; the module named after each type adds presentation only: an icon, a
// one-line summary, port captions, labels for choices and placeholders. A type without a module
// still works, shown with its server label.
import ask_question from "./ask_question.js";
import condition from "./condition.js";
import decision from "./decision.js";
import end from "./end.js";
import hand_off from "./hand_off.js";
import increment_property from "./increment_property.js";
import page_visit from "./page_visit.js";
import send_message from "./send_message.js";
import update_property from "./update_property.js";

const PRESENTATION = {
  ask_question,
  condition,
  decision,
  end,
  hand_off,
  increment_property,
  page_visit,
  send_message,
  update_property,
};

export const CATEGORIES = [
  ["trigger", "Triggers"],
  ["message", "Messages"],
  ["question", "Questions"],
  ["property", "Properties"],
  ["logic", "Logic"],
  ["action", "Actions"],
];

let types = new Map();
let properties = new Map();

export function useCatalogue(nodeTypes, propertyList) {
  types = new Map(nodeTypes.map((type) => [type.type, type]));
  properties = new Map(propertyList.map((property) => [property.key, property]));
}

export function all() {
  return [...types.values()];
}

export function rules(type) {
  return types.get(type);
}

export function look(type) {
  return { icon: "•", choices: {}, placeholders: {}, summary: () => "", ...PRESENTATION[type] };
}

export function label(type) {
  return types.get(type)?.label ?? type;
}

export function hasInput(type) {
  return types.get(type)?.ports.input ?? true;
}

// Output ports in order: fixed, or one per option ("0", "1", …) for a decision's buttons.
export function outputPorts(node) {
  const ports = types.get(node.type)?.ports;
  if (!ports) return [];
  if (ports.rule === "one per option") return (node.config?.options ?? []).map((_, i) => String(i));
  return ports.fixed;
}

export function portLabel(node, port) {
  return look(node.type).portLabel?.(node.config ?? {}, port) ?? port;
}

export function summary(node) {
  return look(node.type).summary(node.config ?? {}, propertyLabel);
}

export function property(key) {
  return properties.get(key);
}

// Properties a picker may offer: visible ones, of the allowed types when the field names some.
export function pickable(allowedTypes) {
  return [...properties.values()].filter(
    (item) => !item.hidden && (!allowedTypes || allowedTypes.includes(item.type)),
  );
}

export function propertyLabel(key) {
  return key ? (properties.get(key)?.label ?? key) : "…";
}
