// Building DOM in code, without a framework: `element("button", {type: "button", text: "Save"})`.
// Attributes are set as given (`true` as an empty attribute, null/false/undefined left out);
// `text` sets textContent (never HTML) and `on<Event>` adds a listener.
export function element(tag, attributes = {}, ...children) {
  const node = tag === "svg" || tag === "path" || tag === "g"
    ? document.createElementNS("http://www.w3.org/2000/svg", tag)
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (/^on[A-Z]/.test(name)) node.addEventListener(name.slice(2).toLowerCase(), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...present(children));
  return node;
}

// Replaces the children of `node`; null, undefined and false children are left out.
export function fill(node, ...children) {
  node.replaceChildren(...present(children));
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

function present(children) {
  return children.filter((child) => child !== null && child !== undefined && child !== false);
}
