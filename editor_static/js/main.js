// Boots the editor: sign-in with an operator token, then the flows list (#/), one flow
// (#/flows/<id>) or the contact properties (#/properties), switching on hash changes.
import { ApiError, queries, signIn, signOut, token } from "./api.js";
import { element } from "./views.js";
import * as editor from "./editor.js";
import * as flowList from "./flow_list.js";
import * as notice from "./notice.js";
import * as propertyList from "./property_list.js";

const app = document.getElementById("pf-app");
const who = document.getElementById("pf-who");
const signOutButton = document.getElementById("pf-sign-out");
const nav = document.querySelector(".pf-nav");

signOutButton.addEventListener("click", async () => {
  await editor.close();
  signOut();
  location.hash = "#/";
  route();
});
window.addEventListener("hashchange", route);
route();

async function route() {
  await editor.close();
  notice.hide();
  if (!token()) return showSignIn();
  try {
    const me = await queries.me();
    who.textContent = `${me.me.email} · ${me.workspace.name}`;
    signOutButton.hidden = false;
    nav.hidden = false;
    const flowId = location.hash.match(/^#\/flows\/(.+)$/)?.[1];
    if (flowId) await editor.open(app, decodeURIComponent(flowId));
    else if (location.hash === "#/properties") await propertyList.show(app);
    else await flowList.show(app);
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
