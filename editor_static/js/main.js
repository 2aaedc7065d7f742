// Boot: sign-in with an operator token, then the flows list (#/) or a flow (#/flows/<id>).
import { ApiError, queries, signIn, signOut, token } from "./api.js";
import * as editor from "./editor.js";
import * as flowList from "./flow_list.js";
import { clear, element } from "./views.js";

const app = document.getElementById("pf-app");
const who = document.getElementById("pf-who");
const signOutButton = document.getElementById("pf-sign-out");

signOutButton.addEventListener("click", () => {
  signOut();
  route();
});
window.addEventListener("hashchange", route);
route();

async function route() {
  if (!token()) return showSignIn();
  try {
    const me = await queries.me();
    who.textContent = `${me.me.email} · ${me.workspace.name}`;
    signOutButton.hidden = false;
    const match = location.hash.match(/^#\/flows\/(.+)$/);
    if (match) await editor.show(app, decodeURIComponent(match[1]));
    else await flowList.show(app);
  } catch (error) {
    if (error instanceof ApiError && error.code === "UNAUTHENTICATED") {
      signOut();
      return showSignIn("That token was not accepted.");
    }
    clear(app).append(element("p", { class: "pf-error", text: error.message }));
  }
}

function showSignIn(problem) {
  who.textContent = "";
  signOutButton.hidden = true;
  const input = element("input", { type: "password", "aria-label": "Operator token", placeholder: "pf_…", autocomplete: "off" });
  const form = element(
    "form",
    { class: "pf-sign-in" },
    element("h1", { text: "Sign in" }),
    element("p", { text: "Paste an operator token (propflow operator create --email you@example.com)." }),
    input,
    element("button", { type: "submit", text: "Sign in" }),
    problem ? element("p", { class: "pf-error", role: "alert", text: problem }) : null,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    signIn(input.value);
    route();
  });
  clear(app).append(form);
}
