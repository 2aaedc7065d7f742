// A free-text question whose answer may be saved as a contact property.
import { shorten } from "./_text.js";

const PORTS = { next: "answered", failed: "failed" };

export default {
  icon: "?",
  placeholders: { text: "What is your shoe size?", retryText: "Sorry, I did not get that." },
  summary: (config, propertyLabel) =>
    config.saveTo ? `Save as ${propertyLabel(config.saveTo)}` : shorten(config.text) || "…",
  portLabel: (config, port) => PORTS[port],
};
