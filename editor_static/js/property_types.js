// The property types and the filter operators that fit each, as the server publishes them
// (`propertyTypes`, from flow_graph's one table): pages await load() once, then read them here.
import { queries } from "./api.js";

let loading = null;
let types = [];
let operators = new Map();

export function load() {
  loading ??= queries.propertyTypes().then(use, (error) => {
    loading = null;
    throw error;
  });
  return loading;
}

function use(list) {
  types = list;
  operators = new Map(list.flatMap((type) => type.operators).map((item) => [item.op, item]));
}

// [{type, label, operators}] in the server's order.
export function all() {
  return types;
}

// The operators that fit `type` ({op, label, unary}), the default first; TEXT's for no type.
export function operatorsFor(type) {
  return (types.find((item) => item.type === type) ?? types.find((item) => item.type === "TEXT"))?.operators ?? [];
}

export function isUnary(op) {
  return operators.get(op)?.unary ?? false;
}

// "≥", "contains", "is set": how a chip or a node summary names `op`.
export function operatorLabel(op) {
  return operators.get(op)?.label ?? op;
}
