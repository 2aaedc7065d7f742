// Boots the operator app: sign-in with an operator token, then the page the hash names, switching
// on hash changes. A page module has `show(root, ...)` and, when it holds something open (a
// subscription, an autosave), `close()`.
import { ApiError, queries, signIn, signOut, token } from "./api.js";
import { element } from "./views.js";
import * as contactDetails from "./contact_details.js";
import * as contactList from "./contact_list.js";
import * as editor from "./editor.js";
import * as flowList from "./flow_list.js";
import * as inbox from "./inbox.js";
import * as notice from "./notice.js";
import * as propertyList from "./property_list.js";
import * as settingsPage from "./settings_page.js";

// `#/<path>?<query>` → the page and the arguments of its show(root, ...).
const ROUTES = [
  [/^flows\/(.+)$/, editor],
  [/^contacts\/(.+)$/, contactDetails],
  [/^contacts$/, contactList],
  [/^properties$/, propertyList],
  [/^inbox$/, inbox],
  [/^settings$/, settingsPage],
  [/^$/, flowList],
];

const app = document.getElementById("pf-app");
const who = document.getElementById("pf-who");
const signOutButton = document.getElementById("pf-sign-out");
const nav = document.querySelector(".pf-nav");

let current = null;

signOutButton.addEventListener("click", async () => {
  await closeCurrent();
  signOut();
  location.hash = "#/";
  route();
});
window.addEventListener("hashchange", route);
route();

async function closeCurrent() {
  const page = current;
  current = null;
  await page?.close?.();
}

function pageFor(hash) {
  const [path, query = ""] = hash.replace(/^#\/?/, "").split("?");
  for (const [pattern, page] of ROUTES) {
    const match = path.match(pattern);
    if (match) return { page, args: [...match.slice(1).map(decodeURIComponent), new URLSearchParams(query)] };
  }
  return { page: flowList, args: [new URLSearchParams(query)] };
}

async function route() {
  await closeCurrent();
  notice.hide();
  if (!token()) return showSignIn();
  try {
    const me = await queries.me();
    who.textContent = `${me.me.email} · ${me.workspace.name}`;
    signOutButton.hidden = false;
    nav.hidden = false;
    const { page, args } = pageFor(location.hash);
    current = page;
    await page.show(app, ...args);
  } catch (error) {
    if (error instanceof ApiError && error.code === "UNAUTHENTICATED") {
      signOut();
      return showSignIn("That token was not accepted.");
    }
    app.replaceChildren(element("p", { class: "pf-page pf-error", role: "alert", text: error.message }));
  }
}

function showSignIn(problem) {
  who.textContent = "";
  signOutButton.hidden = true;
  nav.hidden = true;
  const input = element("input", {
    type: "password",
    "aria-label": "Operator token",
    placeholder: "pf_…",
    autocomplete: "off",
    required: true,
  });
  const form = element(
    "form",
    { class: "pf-page pf-sign-in" },
    element("h1", { text: "Sign in" }),
    element("p", { text: "Paste an operator token. Create one with:" }),
    element("code", { text: "propflow operator create --email you@example.com" }),
    input,
    element("button", { type: "submit", class: "pf-primary", text: "Sign in" }),
    problem ? element("p", { class: "pf-error", role: "alert", text: problem }) : null,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    signIn(input.value);
    route();
  });
  app.replaceChildren(form);
  input.focus();
}
