// A question with buttons: one output port per button, captioned with the button's text.
import { shorten } from "./_text.js";

export default {
  icon: "☰",
  placeholders: { text: "Are you buying for a team?" },
  summary: (config, propertyLabel) =>
    (shorten(config.text) || "…") + (config.saveTo ? ` · saves ${propertyLabel(config.saveTo)}` : ""),
  portLabel: (config, port) => config.options?.[Number(port)] || `Button ${Number(port) + 1}`,
};
