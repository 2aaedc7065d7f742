// Shortens a text to fit on one line of a node.
export function shorten(text, size = 38) {
  if (!text) return "";
  return text.length > size ? `${text.slice(0, size - 1)}…` : text;
}
