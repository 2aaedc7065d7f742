// The workspace's flows: create, open, rename, enable/disable, delete.
import { mutations, queries } from "./api.js";
import { clear, element } from "./views.js";

export async function show(root) {
  clear(root);
  const flows = await queries.flows();
  const name = element("input", { "aria-label": "New flow name", placeholder: "New flow name" });
  const create = element("button", {
    type: "submit",
    text: "Create flow",
  });
  const form = element("form", { class: "pf-create" }, name, create);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!name.value.trim()) return;
    const flow = await mutations.createFlow(name.value.trim());
    location.hash = `#/flows/${flow.id}`;
  });
  const rows = flows.map((flow) => row(flow, root));
  const table = element(
    "table",
    { class: "pf-flows", "aria-label": "Flows" },
    element("thead", {}, element("tr", {}, ...["Name", "Enabled", "Published", "Updated", ""].map((h) => element("th", { text: h })))),
    element("tbody", {}, ...rows),
  );
  root.append(element("h1", { text: "Flows" }), form, flows.length ? table : element("p", { text: "No flows yet: create the first one." }));
}

function row(flow, root) {
  const open = element("a", { href: `#/flows/${flow.id}`, text: flow.name });
  const toggle = element("input", { type: "checkbox", "aria-label": `Enable ${flow.name}`, checked: flow.enabled, disabled: !flow.published });
  toggle.addEventListener("change", async () => {
    await mutations.setEnabled(flow.id, toggle.checked);
  });
  const rename = element("button", { type: "button", text: "Rename", "aria-label": `Rename ${flow.name}` });
  rename.addEventListener("click", async () => {
    const next = prompt("New name", flow.name);
    if (next && next.trim()) {
      await mutations.saveDraft(flow.id, flow.draft, flow.revision, next.trim());
      await show(root);
    }
  });
  const remove = element("button", { type: "button", text: "Delete", class: "pf-danger", "aria-label": `Delete ${flow.name}` });
  remove.addEventListener("click", async () => {
    if (confirm(`Delete the flow “${flow.name}”?`)) {
      await mutations.deleteFlow(flow.id);
      await show(root);
    }
  });
  return element(
    "tr",
    { "data-flow-id": flow.id },
    element("td", {}, open),
    element("td", {}, toggle),
    element("td", { text: flow.published ? `v${flow.published.version}` : "—" }),
    element("td", { text: new Date(flow.updatedAt).toLocaleString() }),
    element("td", {}, rename, remove),
  );
}
