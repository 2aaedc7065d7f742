// Being written: replaced by the page itself.
import { element } from "./views.js";

export async function show(root) {
  root.replaceChildren(element("p", { class: "pf-page", text: "settings_page" }));
}
