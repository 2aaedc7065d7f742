/*
 * Propflow visitor widget. On a website, one tag:
 *   <script src="https://propflow.example/widget.js" data-workspace="pk_…" async></script>
 * Optional: data-color="#0f766e" (any CSS colour), data-position="bottom-left" (default right).
 *
 * It reports page views (also single-page-app navigations) and shows the bot's and the operators'
 * messages in a chat bubble, where the visitor can always write (an answer to a waiting question,
 * or a message to the operators). The conversation survives page loads (the server's transcript).
 * No dependencies, no globals but a marker; it renders in a shadow root so the site's CSS cannot
 * reach it, and message text only ever goes into the page through textContent: messages carry
 * values visitors and operators typed.
 */
(() => {
  "use strict";

  const MARK = Symbol.for("propflow.widget");
  const script =
    document.currentScript || document.querySelector("script[data-workspace][src*='widget.js']");
  if (!script || window[MARK]) return;
  const KEY = script.dataset.workspace;
  if (!KEY) {
    console.warn("Propflow widget: add data-workspace=\"pk_…\" to its script tag.");
    return;
  }
  window[MARK] = true;

  // The server is wherever this file came from; the key in the URL lets the server decide
  // cross-origin requests (and their preflights) before reading them.
  const GRAPHQL = new URL("graphql", script.src);
  GRAPHQL.searchParams.set("workspaceKey", KEY);
  const SOCKET = new URL(GRAPHQL);
  SOCKET.protocol = GRAPHQL.protocol === "https:" ? "wss:" : "ws:";

  const MESSAGE = "id text options expectsAnswer author authorName";
  const RESULT = `messages { ${MESSAGE} }`;
  const TRACK = `mutation($k: String!, $v: String!, $u: String!, $e: String) {
    trackPageView(workspaceKey: $k, visitorId: $v, url: $u, eventId: $e) { contactId ${RESULT} } }`;
  const CHOOSE = `mutation($k: String!, $v: String!, $c: Int) {
    visitorReply(workspaceKey: $k, visitorId: $v, choice: $c) { ${RESULT} } }`;
  const SEND = `mutation($k: String!, $v: String!, $t: String!, $e: String) {
    visitorSendMessage(workspaceKey: $k, visitorId: $v, text: $t, eventId: $e) { ${RESULT} } }`;
  const TRANSCRIPT = `query($k: String!, $v: String!) {
    visitorTranscript(workspaceKey: $k, visitorId: $v, first: 50) { ${MESSAGE} } }`;
  const MESSAGES = `subscription($k: String!, $v: String!) {
    visitorMessages(workspaceKey: $k, visitorId: $v) { ${MESSAGE} } }`;
  const MAX_TEXT = 4000; // the server refuses longer messages
  const PAGE_VIEW_RETRIES = 5;
  const sentHashes = new Map(); // query text -> its SHA-256, once sent with the text (call)
  // Reconnect and retry: the rules written once above `subscribe` in editor_static/js/api.js.
  const REFUSED = [4401, 4403];
  const retryDelay = (retries) => Math.min(30000, 1000 * 2 ** retries);
  const KEPT_MESSAGES = 50;
  const HISTORY_KEY = `propflow.messages.${KEY}`;
  const STYLE = `
    :host { --pf-text: #1f2937; }
    * { box-sizing: border-box; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    [hidden] { display: none !important; }
    .bubble { position: relative; width: 56px; height: 56px; border: 0; border-radius: 50%;
      background: var(--pf-accent); color: #fff; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25);
      display: grid; place-items: center; margin-SIDE: auto; margin-top: 12px; }
    .bubble svg { width: 26px; height: 26px; fill: currentColor; }
    .badge { position: absolute; top: -4px; right: -4px; min-width: 22px; height: 22px; padding: 0 6px;
      border-radius: 11px; background: #dc2626; color: #fff; font-size: 12px; font-weight: 700;
      display: grid; place-items: center; }
    .panel { width: min(360px, calc(100vw - 40px)); max-height: min(520px, calc(100vh - 120px));
      display: flex; flex-direction: column; background: #fff; color: var(--pf-text);
      border-radius: 12px; box-shadow: 0 10px 40px rgba(0,0,0,.25); overflow: hidden; }
    .head { display: flex; justify-content: space-between; align-items: center; padding: 10px 14px;
      background: var(--pf-accent); color: #fff; font-weight: 600; }
    .head span { font-weight: 600; color: #fff; }
    .close { background: none; border: 0; color: #fff; font-size: 22px; line-height: 1; cursor: pointer; padding: 2px 6px; }
    .log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; min-height: 120px; }
    .message { max-width: 85%; padding: 8px 12px; border-radius: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
    .message.bot, .message.operator { align-self: flex-start; background: #f1f5f9; }
    .author { display: block; font-size: 12px; font-weight: 600; color: #475569; }
    .message.me { align-self: flex-end; background: var(--pf-accent); color: #fff; }
    .choices { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
    .choice { border: 1px solid var(--pf-accent); color: var(--pf-accent); background: #fff;
      border-radius: 16px; padding: 4px 12px; cursor: pointer; }
    .choice:disabled { opacity: .5; cursor: default; }
    .answer { display: flex; gap: 6px; padding: 10px; border-top: 1px solid #e5e7eb; }
    .answer input { flex: 1; min-width: 0; padding: 6px 10px; border: 1px solid #cbd5e1; border-radius: 8px; color: var(--pf-text); background: #fff; }
    .answer button { border: 0; border-radius: 8px; padding: 6px 12px; background: var(--pf-accent); color: #fff; cursor: pointer; }
    .status { margin: 0; padding: 0 12px 8px; color: #b91c1c; font-size: 13px; }
    .status:empty { display: none; }
    button:focus-visible, input:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
    .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  `;

  const visitorId = remembered("localStorage", `propflow.visitor.${KEY}`, uuid);
  const state = {
    messages: load(),
    open: false,
    dismissed: false,
    unread: 0,
    sending: false,
    problem: "",
  };
  const seen = new Set(state.messages.map((message) => message.id));
  let ui = null;

  trackPageViews();
  restoreTranscript();
  listen();
  whenBodyExists(() => {
    ui = build();
    render();
  });

  // ---- Page views ---------------------------------------------------------------------------

  function trackPageViews() {
    const pending = pendingPageViews();
    let last = null;
    const pageView = () => {
      const url = location.href;
      if (url.split("#")[0] === last) return;
      last = url.split("#")[0];
      // One eventId for every attempt, on this page or a later one: a retry counts once.
      pending.add({ u: url, e: uuid() });
      pending.send();
    };
    const pushState = history.pushState;
    history.pushState = function (...args) {
      const result = pushState.apply(this, args);
      pageView();
      return result;
    };
    window.addEventListener("popstate", pageView);
    pageView();
  }

  // ---- Pending page views (localStorage) -----------------------------------------------------
  // A page view waits in localStorage until the server has answered it, so that one made while
  // the server is down or UNAVAILABLE is sent again by a later page load, with the same eventId
  // (the server counts an eventId once). Bounded: the newest PENDING_MAX, none older than
  // PENDING_DAYS. A refusal (a bad URL, say) is dropped: sending it again would not help.
  function pendingPageViews() {
    const STORE = `propflow.pending.${KEY}`;
    const PENDING_MAX = 20;
    const PENDING_DAYS = 7;
    let sending = false;
    const read = () => {
      try {
        const stored = JSON.parse(localStorage.getItem(STORE) || "[]");
        const oldest = Date.now() - PENDING_DAYS * 86400000;
        return Array.isArray(stored)
          ? stored.filter((v) => v && typeof v.u === "string" && typeof v.e === "string" && v.at > oldest)
          : [];
      } catch {
        return [];
      }
    };
    const write = (views) => {
      try {
        localStorage.setItem(STORE, JSON.stringify(views.slice(-PENDING_MAX)));
      } catch {
        // storage full or blocked: this page's retries are all a view gets
      }
    };
    const add = (view) => write([...read(), { ...view, at: Date.now() }]);
    const drop = (eventId) => write(read().filter((view) => view.e !== eventId));
    // Oldest first, one at a time; views added meanwhile are sent by the same loop.
    const send = async () => {
      if (sending) return;
      sending = true;
      const tried = new Set();
      try {
        for (let view; (view = read().find((v) => !tried.has(v.e))); ) {
          tried.add(view.e);
          try {
            const data = await call(TRACK, { u: view.u, e: view.e }, PAGE_VIEW_RETRIES);
            drop(view.e);
            receive(data.trackPageView.messages);
          } catch (error) {
            console.warn("Propflow widget:", error.message);
            if (error.retryable) break; // the server is away: the rest waits for a later page
            drop(view.e);
          }
        }
      } finally {
        sending = false;
      }
    };
    return { add, send };
  }

  // ---- Server -------------------------------------------------------------------------------

  // Automatic persisted queries: the text with its SHA-256 the first time this page sends it,
  // the hash alone after that, the text again on PERSISTED_QUERY_NOT_FOUND (a restarted server);
  // the text every time where WebCrypto is missing (a page over plain HTTP).
  async function call(query, variables, retries) {
    const sent = { variables: { k: KEY, v: visitorId, ...variables } };
    const hash = sentHashes.get(query) ?? (await sha256(query));
    if (hash) sent.extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
    if (!hash || !sentHashes.has(query)) sent.query = query;
    if (hash) sentHashes.set(query, hash);
    let body = JSON.stringify(sent);
    for (let attempt = 0; ; attempt += 1) {
      let response = null;
      try {
        response = await fetch(GRAPHQL, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          credentials: "omit",
        });
      } catch {
        response = null; // offline, DNS, refused: worth another try
      }
      // A failure the server calls retryable (its database or broker briefly away) is retried
      // like a lost connection; the same eventId keeps a retry from counting twice.
      const result = response && response.status < 500 ? await response.json().catch(() => ({})) : null;
      const retryable = result?.errors?.[0]?.extensions?.retryable === true;
      if (result?.errors?.[0]?.extensions?.code === "PERSISTED_QUERY_NOT_FOUND" && !sent.query) {
        sent.query = query;
        body = JSON.stringify(sent);
        attempt -= 1; // not a failure: the same request again, with its text
        continue;
      }
      if (result && !retryable) {
        if (result.errors?.length) throw new Error(result.errors[0].message);
        if (!result.data) throw new Error(`HTTP ${response.status}`);
        return result.data;
      }
      if (attempt >= retries) throw Object.assign(new Error("the server cannot be reached"), { retryable: true });
      const jitter = 0.5 + Math.random() / 2; // visitors who failed together retry apart
      await new Promise((resolve) => setTimeout(resolve, retryDelay(attempt) * jitter));
    }
  }

  async function sha256(text) {
    if (!window.crypto?.subtle) return null;
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  // The visitorMessages subscription over graphql-transport-ws, reconnecting by the shared rules
  // (REFUSED, retryDelay): n back to 0 on connection_ack.
  function listen() {
    let retries = 0;
    const connect = () => {
      const socket = new WebSocket(SOCKET, "graphql-transport-ws");
      const send = (message) => socket.send(JSON.stringify(message));
      socket.onopen = () => send({ type: "connection_init", payload: { workspaceKey: KEY, visitorId } });
      socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.type === "connection_ack") {
          retries = 0;
          send({ id: "messages", type: "subscribe", payload: { query: MESSAGES, variables: { k: KEY, v: visitorId } } });
        } else if (missedMessages.handles(message)) {
          missedMessages.handle(message, send);
        } else if (message.type === "next" && message.payload?.data) {
          receive([message.payload.data.visitorMessages]);
        } else if (message.type === "ping") {
          send({ type: "pong" });
        }
      };
      socket.onclose = (event) => {
        if (REFUSED.includes(event.code)) return console.warn("Propflow widget: the workspace key was refused.");
        setTimeout(connect, retryDelay(retries++));
      };
    };
    connect();
  }

  // ---- Missed messages (EVENTS_MISSED) -------------------------------------------------------
  // The server lost live events (its broker was away): the stream goes on, but a message sent
  // meanwhile never came. Read the visit's transcript again, on the same socket; `receive` keeps
  // only the messages not shown yet.
  const missedMessages = {
    reads: 0,
    handles(message) {
      return message.type === "next" && (message.id?.startsWith("missed-") || this.isNotice(message));
    },
    isNotice(message) {
      return message.id === "messages" && message.payload?.errors?.some((e) => e.extensions?.code === "EVENTS_MISSED");
    },
    handle(message, send) {
      if (message.id !== "messages") return receive(message.payload?.data?.visitorTranscript || []);
      send({ id: `missed-${(this.reads += 1)}`, type: "subscribe", payload: { query: TRANSCRIPT, variables: { k: KEY, v: visitorId } } });
    },
  };

  // ---- State --------------------------------------------------------------------------------

  // A server message as the bubble keeps it: from "bot", "operator" (with the operator's name)
  // or "me" (the visitor's own, as the transcript returns them).
  function kept(message) {
    const from = message.author === "OPERATOR" ? "operator" : message.author === "VISITOR" ? "me" : "bot";
    return {
      id: String(message.id),
      from,
      author: from === "operator" && message.authorName ? String(message.authorName) : null,
      text: String(message.text),
      options: Array.isArray(message.options) ? message.options.map(String) : null,
      expectsAnswer: Boolean(message.expectsAnswer),
    };
  }

  function receive(messages) {
    let fresh = 0;
    for (const message of messages) {
      // The visitor's own messages are on this page already (this tab sent them) or come with
      // the transcript of the next page load.
      if (!message || seen.has(String(message.id)) || message.author === "VISITOR") continue;
      seen.add(String(message.id));
      state.messages.push(kept(message));
      fresh += 1;
    }
    if (!fresh) return;
    save();
    // A flow or an operator speaking opens the chat, unless the visitor closed it on this page.
    if (!state.open && state.dismissed) state.unread += fresh;
    if (!state.open && !state.dismissed) setOpen(true, false);
    else render();
  }

  // The visit's conversation as the server keeps it (this tab's history may be missing what
  // other tabs said); messages that arrived meanwhile stay after it.
  function restoreTranscript() {
    call(TRANSCRIPT, {}, 2)
      .then((data) => {
        const transcript = data.visitorTranscript.map(kept);
        const known = new Set(transcript.map((message) => message.id));
        const later = state.messages.filter((message) => !message.id.startsWith("me-") && !known.has(message.id));
        for (const id of known) seen.add(id);
        state.messages = [...transcript, ...later];
        save();
        render();
      })
      .catch((error) => console.warn("Propflow widget:", error.message));
  }

  // The visitor's text (an answer when a question waits, else a message to the operators) or
  // the index of a button.
  async function reply(text, choice, shown) {
    if (state.sending) return;
    state.sending = true;
    state.problem = "";
    const mine = { id: `me-${uuid()}`, from: "me", text: shown };
    state.messages.push(mine);
    save();
    render();
    try {
      const data = text === null
        ? (await call(CHOOSE, { c: choice }, 0)).visitorReply
        : (await call(SEND, { t: text, e: uuid() }, 0)).visitorSendMessage;
      receive(data.messages);
    } catch (error) {
      state.problem = `Not sent: ${error.message}. Please try again.`;
      state.messages = state.messages.filter((message) => message !== mine);
      save();
      if (text !== null && ui && !ui.input.value) ui.input.value = text;
    } finally {
      state.sending = false;
      render();
      if (state.open) focusInside();
    }
  }

  // The question the visitor can answer now: the last message, when it is the bot's and waits.
  function waiting() {
    const last = state.messages[state.messages.length - 1];
    return last && last.from === "bot" && last.expectsAnswer ? last : null;
  }

  // Opening by itself never takes the focus from the page; the visitor's click does.
  function setOpen(open, focus) {
    state.open = open;
    if (open) state.unread = 0;
    else state.dismissed = true;
    render();
    if (open && focus) focusInside();
  }

  // ---- View ---------------------------------------------------------------------------------

  function build() {
    const host = document.createElement("propflow-widget");
    const left = script.dataset.position === "bottom-left";
    const color = script.dataset.color && CSS.supports("color", script.dataset.color)
      ? script.dataset.color : "#4f46e5";
    // Inline !important beats any rule of the site's stylesheets.
    for (const [name, value] of [
      ["all", "initial"], ["display", "block"], ["position", "fixed"], ["z-index", "2147483000"],
      ["bottom", "20px"], [left ? "left" : "right", "20px"],
    ]) host.style.setProperty(name, value, "important");
    host.style.setProperty("--pf-accent", color);
    const root = host.attachShadow({ mode: "open" });
    const style = node("style");
    style.textContent = STYLE.replaceAll("SIDE", left ? "right" : "left");

    const log = node("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Messages" });
    const input = node("input", { id: "pf-answer", type: "text", autocomplete: "off", maxlength: String(MAX_TEXT) });
    const answer = node("form", { class: "answer" },
      node("label", { class: "sr", for: "pf-answer" }, "Your message"),
      input,
      node("button", { type: "submit" }, "Send"));
    answer.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return input.focus();
      input.value = "";
      reply(text, null, text);
    });
    const status = node("p", { class: "status", role: "status" });
    const close = node("button", { type: "button", class: "close", "aria-label": "Close chat" }, "×");
    close.addEventListener("click", () => {
      setOpen(false, false);
      bubble.focus();
    });
    const panel = node("div", { class: "panel", role: "dialog", "aria-label": "Chat" },
      node("div", { class: "head" }, node("span", {}, "Chat"), close), log, answer, status);
    panel.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      setOpen(false, false);
      bubble.focus();
    });
    const badge = node("span", { class: "badge", "aria-hidden": "true" });
    const bubble = node("button", { type: "button", class: "bubble" }, ICON(), badge);
    bubble.addEventListener("click", () => setOpen(!state.open, true));
    root.append(style, panel, bubble);
    document.body.append(host);
    return { panel, log, input, status, bubble, badge };
  }

  function render() {
    if (!ui) return;
    const { panel, log, input, status, bubble, badge } = ui;
    panel.hidden = !state.open;
    bubble.setAttribute("aria-expanded", String(state.open));
    const unread = state.unread ? `, ${state.unread} unread` : "";
    bubble.setAttribute("aria-label", `Chat with us${unread}`);
    badge.hidden = !state.unread;
    badge.textContent = state.unread ? String(state.unread) : "";

    const question = waiting();
    log.replaceChildren(...state.messages.map((message) => {
      const item = node("div", { class: `message ${message.from}`, "data-from": message.from });
      if (message.from === "operator") item.append(node("span", { class: "author" }, message.author || "Operator"));
      item.append(message.text);
      if (message === question && message.options) {
        const choices = node("div", { class: "choices", role: "group", "aria-label": "Choose an answer" });
        message.options.forEach((label, index) => {
          const button = node("button", { type: "button", class: "choice" }, label);
          button.disabled = state.sending;
          button.addEventListener("click", () => reply(null, index, label));
          choices.append(button);
        });
        item.append(choices);
      }
      return item;
    }));
    log.scrollTop = log.scrollHeight;
    input.disabled = state.sending;
    input.placeholder = question && !question.options ? "Your answer" : "Write a message";
    status.textContent = state.problem;
  }

  function focusInside() {
    const { input, log, panel } = ui;
    const target = log.querySelector(".choice") || input || panel.querySelector(".close");
    target.focus();
  }

  function node(tag, attributes = {}, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
    // Strings become text nodes: never parsed as HTML.
    element.append(...children);
    return element;
  }

  // ---- Storage and small helpers ------------------------------------------------------------

  function load() {
    try {
      const stored = JSON.parse(sessionStorage.getItem(HISTORY_KEY) || "[]");
      return Array.isArray(stored) ? stored.filter((m) => m && typeof m.text === "string") : [];
    } catch {
      return [];
    }
  }

  function save() {
    state.messages = state.messages.slice(-KEPT_MESSAGES);
    try {
      sessionStorage.setItem(HISTORY_KEY, JSON.stringify(state.messages));
    } catch {
      // storage full or blocked: the conversation just does not survive a reload
    }
  }

  function remembered(storageName, key, create) {
    try {
      const storage = window[storageName]; // reading it can throw, in sandboxed frames
      const found = storage.getItem(key);
      if (found) return found;
      const value = create();
      storage.setItem(key, value);
      return value;
    } catch {
      return create(); // storage blocked: a visitor per page load
    }
  }

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 15) | 64;
    bytes[8] = (bytes[8] & 63) | 128;
    const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function whenBodyExists(run) {
    if (document.body) run();
    else document.addEventListener("DOMContentLoaded", run, { once: true });
  }

  function ICON() {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", "M4 4h16a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H9l-5 4v-4H4a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z");
    svg.append(path);
    return svg;
  }
})();
