// The Versions panel's comparison: pick two versions (or a version and the draft), see the
// nodes added, removed and changed listed, and the added and changed ones marked on the canvas
// (diff:change). Clicking a listed node selects and centres it when the canvas shows it.
import { queries } from "./api.js";
import { compareGraphs } from "./diff.js";
import { element, fill } from "./views.js";
import { emit } from "./events.js";
import * as model from "./model.js";
import * as catalogue from "./node_types/index.js";
import * as notice from "./notice.js";

const DRAFT = "draft";

// The comparison form for `flow`'s versions; `show(nodeId)` selects and centres a node.
export function comparison(flow, { show }) {
  const choices = [...flow.versions].reverse().map((item) => [String(item.version), `Version ${item.version}`]);
  const from = picker("Compare", choices, choices[0]?.[0]);
  const to = picker("with", [[DRAFT, "the draft"], ...choices], DRAFT);
  const result = element("div", { class: "pf-diff", "aria-live": "polite" });
  const compare = async () => {
    try {
      const [before, after] = await Promise.all([graphOf(flow, from.value), graphOf(flow, to.value)]);
      const diff = compareGraphs(before, after);
      emit("diff:change", marks(diff));
      fill(result, ...describe(diff, show), element("button", { type: "button", text: "Clear comparison", onClick: clear }));
    } catch (error) {
      notice.failure(error);
    }
  };
  const clear = () => {
    emit("diff:change", new Map());
    result.replaceChildren();
  };
  if (!choices.length) return null;
  return element(
    "div",
    { class: "pf-compare" },
    element("h4", { text: "Compare versions" }),
    element("div", { class: "pf-compare-form" }, from.label, to.label, element("button", { type: "button", text: "Compare", onClick: compare })),
    result,
  );
}

function picker(text, pairs, value) {
  const select = element("select", { "aria-label": text === "Compare" ? "Compare version" : "Compare with" }, ...pairs.map(([key, name]) => new Option(name, key)));
  select.value = value ?? "";
  return { label: element("label", {}, `${text} `, select), get value() { return select.value; } };
}

async function graphOf(flow, choice) {
  if (choice === DRAFT) return (await queries.draft(flow.id)).draft;
  return queries.versionGraph(flow.id, Number(choice));
}

function marks({ added, changed }) {
  return new Map([...added.map((node) => [node.id, "added"]), ...changed.map(({ node }) => [node.id, "changed"])]);
}

function describe({ added, removed, changed }, show) {
  if (!added.length && !removed.length && !changed.length) return [element("p", { class: "pf-muted", text: "No difference." })];
  const row = (node, kind, detail = "") =>
    element(
      "li",
      { "data-diff": kind },
      element("button", {
        type: "button",
        class: "pf-link",
        text: `${catalogue.label(node.type)}: ${catalogue.summary(node)}`,
        disabled: !model.node(node.id),
        onClick: () => show(node.id),
      }),
      detail ? element("span", { class: "pf-muted", text: ` — ${detail}` }) : null,
    );
  const section = (title, rows) => (rows.length ? [element("h5", { text: `${title} (${rows.length})` }), element("ul", { class: "pf-diff-list" }, ...rows)] : []);
  return [
    ...section("Added", added.map((node) => row(node, "added"))),
    ...section("Removed", removed.map((node) => row(node, "removed"))),
    ...section("Changed", changed.map(({ node, fields }) => row(node, "changed", fields.map((name) => fieldLabel(node, name)).join(", ")))),
  ];
}

function fieldLabel(node, name) {
  if (name === "type" || name === "wires") return name;
  return catalogue.rules(node.type)?.configSchema.fields.find((field) => field.name === name)?.label ?? name;
}
