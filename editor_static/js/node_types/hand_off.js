// Hands the visitor to an operator (the Inbox): an optional message, then the bot's run ends.
import { shorten } from "./_text.js";

export default {
  icon: "☎",
  placeholders: { text: "One moment, a colleague will answer you here." },
  summary: (config) => (config.text ? `Operator takes over: ${shorten(config.text)}` : "An operator takes over"),
};
