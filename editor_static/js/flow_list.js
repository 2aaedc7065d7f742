// The workspace's flows: create one, open, rename, turn on and off, delete.
import { mutations, queries } from "./api.js";
import { element } from "./views.js";
import * as notice from "./notice.js";

export async function show(root) {
  const flows = await queries.flows();
  const name = element("input", { "aria-label": "New flow name", placeholder: "New flow name", required: true });
  const create = element(
    "form",
    { class: "pf-create" },
    name,
    element("button", { type: "submit", class: "pf-primary", text: "Create flow" }),
  );
  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const flow = await mutations.createFlow(name.value.trim());
      location.hash = `#/flows/${flow.id}`;
    } catch (error) {
      notice.failure(error);
    }
  });
  const table = element(
    "table",
    { class: "pf-flows", "aria-label": "Flows" },
    element(
      "thead",
      {},
      element("tr", {}, ...["Name", "On", "Published", "Updated", "Actions"].map((text) => element("th", { text }))),
    ),
    element("tbody", {}, ...flows.map((flow) => row(flow, root))),
  );
  root.replaceChildren(
    element(
      "section",
      { class: "pf-page" },
      element("h1", { text: "Flows" }),
      create,
      flows.length ? table : element("p", { class: "pf-muted", text: "No flows yet: create the first one." }),
    ),
  );
}

function row(flow, root) {
  const toggle = element("input", {
    type: "checkbox",
    "aria-label": `Enable ${flow.name}`,
    // Created enabled, but nothing runs before the first publish: shown as off until then.
    checked: flow.enabled && Boolean(flow.published),
    disabled: !flow.published,
    title: flow.published ? null : "Publish the flow before turning it on",
  });
  toggle.addEventListener("change", () => act(root, () => mutations.setEnabled(flow.id, toggle.checked)));
  const nameCell = element("td", {}, element("a", { href: `#/flows/${flow.id}`, text: flow.name }));
  const rename = () => {
    const input = element("input", { "aria-label": `New name for ${flow.name}`, value: flow.name });
    const form = element(
      "form",
      { class: "pf-row" },
      input,
      element("button", { type: "submit", text: "Save" }),
      element("button", { type: "button", text: "Cancel", onClick: () => show(root) }),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (input.value.trim()) act(root, () => renameFlow(flow.id, input.value.trim()));
    });
    input.addEventListener("keydown", (event) => event.key === "Escape" && show(root));
    nameCell.replaceChildren(form);
    input.select();
  };
  const remove = () => {
    if (confirm(`Delete the flow “${flow.name}” and all its versions?`)) act(root, () => mutations.deleteFlow(flow.id));
  };
  return element(
    "tr",
    { "data-flow-id": flow.id },
    nameCell,
    element("td", {}, toggle),
    element("td", { text: flow.published ? `Version ${flow.published.version}` : "Draft only" }),
    element("td", { text: new Date(flow.updatedAt).toLocaleString() }),
    element(
      "td",
      { class: "pf-row" },
      element("button", { type: "button", text: "Rename", "aria-label": `Rename ${flow.name}`, onClick: rename }),
      element("button", { type: "button", class: "pf-danger", text: "Delete", "aria-label": `Delete ${flow.name}`, onClick: remove }),
    ),
  );
}

// The API renames through a draft save of the unchanged draft, guarded by its revision.
async function renameFlow(id, name) {
  const { draft, revision } = await queries.draft(id);
  await mutations.saveDraft(id, { graph: draft, name, expectedRevision: revision });
}

async function act(root, action) {
  try {
    await action();
  } catch (error) {
    notice.failure(error);
  }
  await show(root);
}
