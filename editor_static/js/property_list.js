// Settings → Contact properties: every property with its type, use and hidden state; create,
// rename, hide/show and delete (refused, with the flows named, while a flow uses it).
import { settings } from "./api.js";
import { clear, element } from "./views.js";

const TYPES = ["TEXT", "NUMBER", "EMAIL", "URL", "PHONE", "DATE", "BOOLEAN", "SELECT"];

export async function show(root) {
  clear(root);
  const properties = await settings.properties();
  const message = element("p", { class: "pf-error", role: "alert" });
  root.append(
    element("h1", { text: "Contact properties" }),
    createForm(root, message),
    message,
    table(properties, root, message),
  );
}

function createForm(root, message) {
  const label = element("input", { "aria-label": "Property label", placeholder: "Label, e.g. Shoe size" });
  const type = element("select", { "aria-label": "Property type" });
  for (const name of TYPES) type.append(new Option(name, name));
  const options = element("input", { "aria-label": "Options", placeholder: "Options, comma separated", hidden: true });
  const key = element("span", { class: "pf-muted", "aria-label": "Key preview" });
  const preview = () => {
    key.textContent = label.value.trim() ? `key: ${deriveKey(label.value)}` : "";
    options.hidden = type.value !== "SELECT";
  };
  label.addEventListener("input", preview);
  type.addEventListener("change", preview);
  const form = element("form", { class: "pf-create" }, label, type, options, element("button", { type: "submit", text: "Create property" }), key);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = { label: label.value, type: type.value };
    if (type.value === "SELECT") input.options = optionList(options.value);
    try {
      await settings.create(input);
      await show(root);
    } catch (error) {
      message.textContent = error.message;
    }
  });
  return form;
}

function table(properties, root, message) {
  const head = ["Label", "Key", "Type (fixed)", "Kind", "Created", "Contacts", "Used by flows", "Hidden", ""];
  return element(
    "table",
    { class: "pf-properties", "aria-label": "Properties" },
    element("thead", {}, element("tr", {}, ...head.map((text) => element("th", { text })))),
    element("tbody", {}, ...properties.map((property) => row(property, root, message))),
  );
}

function row(property, root, message) {
  const act = (action) => async () => {
    try {
      await action();
      await show(root);
    } catch (error) {
      message.textContent = error.message;
    }
  };
  const hidden = element("input", {
    type: "checkbox",
    checked: property.hidden,
    disabled: property.builtIn,
    "aria-label": `Hide ${property.label}`,
  });
  hidden.addEventListener("change", act(() => settings.update({ id: property.id, hidden: hidden.checked })));
  const rename = element("button", {
    type: "button",
    text: "Rename",
    "aria-label": `Rename ${property.label}`,
    onClick: act(async () => {
      const label = prompt("New label", property.label);
      if (label && label.trim()) await settings.update({ id: property.id, label: label.trim() });
    }),
  });
  const remove = element("button", {
    type: "button",
    text: "Delete",
    class: "pf-danger",
    "aria-label": `Delete ${property.label}`,
    disabled: property.builtIn,
    onClick: act(async () => {
      if (confirm(`Delete “${property.label}” and every contact's value for it?`)) await settings.remove(property.id);
    }),
  });
  const editOptions = property.type === "SELECT"
    ? element("button", {
        type: "button",
        text: "Options",
        "aria-label": `Edit options of ${property.label}`,
        onClick: act(async () => {
          const options = prompt("Options, comma separated", property.options.join(", "));
          if (options !== null) await settings.update({ id: property.id, options: optionList(options) });
        }),
      })
    : null;
  const isSet = JSON.stringify([{ key: property.key, op: "IS_SET" }]);
  const contacts = element("a", {
    href: `#/contacts?filter=${encodeURIComponent(isSet)}`,
    text: `${property.contactCount} · Show contacts`,
    "aria-label": `Show contacts with ${property.label}`,
  });
  const flows = property.usedByFlows.map((flow) => element("a", { href: `#/flows/${flow.id}`, text: flow.name }));
  const created = property.createdBy
    ? `${property.createdBy.email}, ${new Date(property.createdAt).toLocaleDateString()}`
    : "built in";
  return element(
    "tr",
    { "data-property-key": property.key },
    element("td", { text: property.label }),
    element("td", {}, element("code", { text: property.key })),
    element(
      "td",
      { title: "A property's type is fixed when it is created and never changes." },
      property.type,
      property.type === "SELECT" ? element("div", { class: "pf-muted", text: property.options.join(", ") }) : null,
    ),
    element("td", { text: property.builtIn ? "built-in" : "custom" }),
    element("td", { text: created }),
    element("td", {}, contacts),
    element("td", {}, ...flows),
    element("td", {}, hidden),
    element("td", {}, rename, editOptions, remove),
  );
}

function optionList(text) {
  return text.split(",").map((option) => option.trim()).filter(Boolean);
}

// A preview of the key the server derives from a label (the server's rule decides).
function deriveKey(label) {
  let key = label
    .normalize("NFKD")
    .replace(/[^\x00-\x7f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (key && !/^[a-z]/.test(key)) key = `p_${key}`;
  return key.slice(0, 64).replace(/_+$/, "");
}
