// Settings → Contact properties: every property with its type, use and hidden state; create,
// rename in place, hide/show and delete (refused, with the flows named, while a flow uses it).
// A label whose key already exists points at the property that has it.
import { settings } from "./api.js";
import * as propertyTypes from "./property_types.js";
import { clear, element } from "./views.js";

export async function show(root) {
  const [properties] = await Promise.all([settings.properties(), propertyTypes.load()]);
  const message = element("p", { class: "pf-error", role: "alert" });
  clear(root).append(
    element(
      "section",
      { class: "pf-page" },
      element("h1", { text: "Contact properties" }),
      createForm(root, message),
      message,
      table(properties, root, message),
    ),
  );
}

// Why creating failed; a key that exists already names and shows the property that has it.
function explain(message, error) {
  const key = error.code === "CONFLICT" ? error.extensions?.key : null;
  const row = key ? document.querySelector(`tr[data-property-key="${CSS.escape(key)}"]`) : null;
  if (!row) {
    message.textContent = error.message;
    return;
  }
  document.querySelectorAll("tr[data-conflict]").forEach((other) => delete other.dataset.conflict);
  row.dataset.conflict = "true";
  const label = row.querySelector(".pf-property-label")?.textContent ?? key;
  message.replaceChildren(
    `The key “${key}” is taken by the property “${label}”. `,
    element("button", {
      type: "button",
      class: "pf-link",
      text: `Show “${label}”`,
      onClick: () => row.scrollIntoView({ block: "center" }),
    }),
  );
  row.scrollIntoView({ block: "center" });
}

function createForm(root, message) {
  const label = element("input", { "aria-label": "Property label", placeholder: "Label, e.g. Shoe size" });
  const type = element("select", { "aria-label": "Property type" });
  for (const item of propertyTypes.all()) type.append(new Option(item.label, item.type));
  const options = element("input", { "aria-label": "Options", placeholder: "Options, comma separated", hidden: true });
  const key = element("span", { class: "pf-muted", "aria-label": "Key preview" });
  // The server derives the key (keys never change, so it is shown before creating); a label it
  // can derive none from shows none, and creating then says why. Only the latest answer shows.
  let asked = 0;
  label.addEventListener("input", async () => {
    const ticket = ++asked;
    const text = label.value.trim();
    const derived = text ? await settings.keyFor(text).catch(() => null) : null;
    if (ticket === asked) key.textContent = derived ? `key: ${derived}` : "";
  });
  type.addEventListener("change", () => (options.hidden = type.value !== "SELECT"));
  const form = element("form", { class: "pf-create" }, label, type, options, element("button", { type: "submit", text: "Create property" }), key);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = { label: label.value, type: type.value };
    if (type.value === "SELECT") input.options = optionList(options.value);
    try {
      await settings.create(input);
      await show(root);
    } catch (error) {
      explain(message, error);
    }
  });
  return form;
}

function table(properties, root, message) {
  // Fixed widths: redrawing after an edit must not make the columns jump.
  const head = [
    ["Label", "18%"],
    ["Key", "13%"],
    ["Type (fixed)", "12%"],
    ["Kind", "7%"],
    ["Created", "14%"],
    ["Contacts", "11%"],
    ["Used by flows", "10%"],
    ["Hidden", "6%"],
    ["", "19%"],
  ];
  return element(
    "table",
    { class: "pf-table pf-properties", "aria-label": "Properties" },
    element("colgroup", {}, ...head.map(([, width]) => element("col", { style: `width: ${width}` }))),
    element("thead", {}, element("tr", {}, ...head.map(([text]) => element("th", { text })))),
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
  const labelCell = element("td", {}, element("span", { class: "pf-property-label", text: property.label }));
  const rename = element("button", {
    type: "button",
    text: "Rename",
    "aria-label": `Rename ${property.label}`,
    onClick: () => renameInPlace(labelCell, property, act),
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
    { "data-property-key": property.key, "data-hidden": property.hidden ? "true" : null },
    labelCell,
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

// The label cell becomes a field: Enter (or Save) renames, Escape (or Cancel) puts it back.
function renameInPlace(cell, property, act) {
  const before = [...cell.childNodes];
  const input = element("input", { value: property.label, "aria-label": `New label for ${property.label}` });
  const save = act(async () => {
    if (input.value.trim() && input.value.trim() !== property.label) {
      await settings.update({ id: property.id, label: input.value.trim() });
    }
  });
  const cancel = () => cell.replaceChildren(...before);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") save();
    if (event.key === "Escape") cancel();
  });
  cell.replaceChildren(
    element("form", { class: "pf-rename", onSubmit: (event) => (event.preventDefault(), save()) }, input,
      element("button", { type: "submit", text: "Save" }),
      element("button", { type: "button", text: "Cancel", onClick: cancel })),
  );
  input.focus();
  input.select();
}

function optionList(text) {
  return text.split(",").map((option) => option.trim()).filter(Boolean);
}
