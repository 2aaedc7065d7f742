// Compares a property with a value: "Lead score > 10"; ports true and false. Operator names,
// and which take no value, come from the server (property_types.js).
import { isUnary, operatorLabel } from "../property_types.js";

export default {
  icon: "◇",
  summary: (config, propertyLabel) => {
    const value = Array.isArray(config.value) ? config.value.join(", ") : (config.value ?? "");
    // An op not chosen yet is the field's default, EQ.
    const op = config.op ?? "EQ";
    return `${propertyLabel(config.key)} ${operatorLabel(op)} ${isUnary(op) ? "" : value}`.trim();
  },
};
