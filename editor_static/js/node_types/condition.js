// Compares a property with a value: "Lead score > 10"; ports true and false.
const OPERATORS = {
  EQ: "=",
  NEQ: "≠",
  CONTAINS: "contains",
  STARTS_WITH: "starts with",
  GT: ">",
  GTE: "≥",
  LT: "<",
  LTE: "≤",
  IN: "is one of",
  IS_SET: "is set",
  IS_NOT_SET: "is not set",
};

export default {
  icon: "◇",
  choices: { op: OPERATORS },
  summary: (config, propertyLabel) => {
    const value = Array.isArray(config.value) ? config.value.join(", ") : (config.value ?? "");
    const unary = config.op === "IS_SET" || config.op === "IS_NOT_SET";
    return `${propertyLabel(config.key)} ${OPERATORS[config.op] ?? "="} ${unary ? "" : value}`.trim();
  },
};
