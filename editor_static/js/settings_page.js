// Settings → Install the widget: the script tag to paste on a website (with this server's address
// and the workspace's public key, ready to copy) and the origins allowed to run it.
import { workspace } from "./api.js";
import { element } from "./views.js";

export async function show(root) {
  const current = await workspace.get();
  root.replaceChildren(
    element(
      "div",
      { class: "pf-page pf-settings" },
      element("h1", { text: "Settings" }),
      snippetSection(current),
      originsSection(current),
    ),
  );
}

function snippetSection(current) {
  const snippet = `<script src="${location.origin}/widget.js" data-workspace="${current.publicKey}" async></script>`;
  const status = element("span", { class: "pf-muted", role: "status" });
  const copy = element("button", { type: "button", class: "pf-primary", text: "Copy", onClick: async () => {
    status.textContent = (await copyText(snippet)) ? "Copied" : "Select the text and copy it";
  } });
  return element(
    "section",
    { class: "pf-settings-section", "aria-labelledby": "pf-install" },
    element("h2", { id: "pf-install", text: "Install the widget" }),
    element("p", { text: `Paste this tag into every page of your website, before </body>. Visitors get a chat bubble run by this workspace's published flows (${current.name}).` }),
    element("pre", { class: "pf-snippet" }, element("code", { "data-snippet": "", text: snippet })),
    element("div", { class: "pf-row" }, copy, status),
    element("p", { class: "pf-muted" },
      "Optional: data-color=\"#0f766e\" sets its colour, data-position=\"bottom-left\" its corner. ",
      element("a", { href: "/demo/", target: "_blank", rel: "noopener", text: "See it on the demo shop" }),
      "."),
  );
}

function originsSection(current) {
  const input = element("textarea", {
    id: "pf-origins",
    rows: "5",
    spellcheck: "false",
    placeholder: "https://shop.example\nhttp://localhost:3000",
    "aria-describedby": "pf-origins-help pf-origins-error",
  });
  input.value = current.allowedOrigins.join("\n");
  const error = element("p", { id: "pf-origins-error", class: "pf-error", role: "alert" });
  const status = element("span", { class: "pf-muted", role: "status" });
  const form = element(
    "form",
    { class: "pf-stack" },
    element("label", { for: "pf-origins", text: "Allowed origins" }),
    element("p", { id: "pf-origins-help", class: "pf-muted", text: "Websites that may run the widget, one origin per line (scheme, host and port, no path). Leave it empty to allow any website." }),
    input,
    error,
    element("div", { class: "pf-row" }, element("button", { type: "submit", text: "Save origins" }), status),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    status.textContent = "";
    const origins = input.value.split("\n").map((line) => line.trim()).filter(Boolean);
    try {
      const saved = await workspace.setAllowedOrigins(origins);
      input.value = saved.allowedOrigins.join("\n");
      input.removeAttribute("aria-invalid");
      status.textContent = saved.allowedOrigins.length ? "Saved" : "Saved: any website may run the widget";
    } catch (problem) {
      input.setAttribute("aria-invalid", "true");
      error.textContent = problem.message;
    }
  });
  return element(
    "section",
    { class: "pf-settings-section", "aria-labelledby": "pf-origins-title" },
    element("h2", { id: "pf-origins-title", text: "Where the widget may run" }),
    form,
  );
}

// The clipboard API needs a secure context; plain http on a LAN address falls back to a selection.
async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const scratch = element("textarea", { class: "pf-offscreen", readonly: true });
    scratch.value = text;
    document.body.append(scratch);
    scratch.select();
    const copied = document.execCommand("copy");
    scratch.remove();
    return copied;
  }
}
