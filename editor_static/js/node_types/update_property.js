// Sets one or more properties: "Set Lead score = 10".
export default {
  icon: "✎",
  summary: (config, propertyLabel) =>
    (config.updates ?? [])
      .map((update) => `Set ${propertyLabel(update.key)} = ${update.value ?? "(clear)"}`)
      .join(", ") || "…",
};
