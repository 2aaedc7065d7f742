// A bot message; its text may hold {key} or {key|fallback} placeholders.
import { shorten } from "./_text.js";

export default {
  icon: "✉",
  placeholders: { text: "Hi {name|there}! Can I help?" },
  summary: (config) => shorten(config.text) || "…",
};
