// Adds N to a NUMBER property: "Shoe size + 1", "Credits − 2".
export default {
  icon: "±",
  summary: (config, propertyLabel) => {
    const by = Number(config.by ?? 1);
    return `${propertyLabel(config.key)} ${by < 0 ? "−" : "+"} ${Math.abs(by)}`;
  },
};
