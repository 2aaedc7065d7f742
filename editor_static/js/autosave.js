// Saving the draft: a moment after the last edit, on Ctrl+S, and before leaving. Saves run one
// at a time, each with the revision the previous one returned (`expectedRevision`); when the
// server answers CONFLICT (another tab saved first) nothing is overwritten until the designer
// chooses to reload the flow or to keep this version. This module owns the draft's revision: a
// draft loaded from the server (a restore, back from a version) hands over its own. A failure a
// retry can fix (the server unreachable, or UNAVAILABLE while its database is briefly away)
// shows "Saving failed, retrying" and is retried with a growing delay, never above RETRY_MAX_MS.
import { mutations, queries } from "./api.js";
import { emit, subscribe } from "./events.js";
import * as model from "./model.js";
import * as notice from "./notice.js";

const DELAY_MS = 1000;
const RETRY_MS = 5000;
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30000;
const TRANSIENT = ["NETWORK", "HTTP", "UNAVAILABLE"];
let retries = 0;
let flow = null;
let name = null;
let dirty = false;
let conflicted = false;
let inFlight = null;
let timer = null;

// Starts tracking `record` ({id, name, revision}); `reload` reopens the flow from the server.
export function track(record, { reload }) {
  flow = { ...record };
  name = null;
  dirty = false;
  conflicted = false;
  retries = 0;
  setStatus("saved");
  const stop = subscribe({
    "document:change": () => {
      dirty = true;
      setStatus("unsaved");
      schedule(DELAY_MS);
    },
    "flow:restore": (record) => {
      clearTimeout(timer);
      flow = { ...flow, revision: record.revision };
      dirty = false;
      conflicted = false;
      setStatus("saved");
    },
    "save:conflict": () =>
      notice.show("This flow was changed in another tab or by someone else. Your changes since then are not saved.", {
        tone: "error",
        actions: [
          ["Reload the flow", reload],
          ["Keep my version", keepMine],
        ],
      }),
  });
  return () => {
    clearTimeout(timer);
    stop();
  };
}

export function rename(next) {
  name = next;
  dirty = true;
  return save();
}

export function hasUnsavedChanges() {
  return dirty || inFlight !== null;
}

// Saves now if anything is unsaved; resolves once the draft on the server is this one.
export async function save() {
  clearTimeout(timer);
  while (inFlight) await inFlight;
  if (!dirty || conflicted || model.isReadOnly()) return;
  dirty = false;
  inFlight = send();
  await inFlight;
}

async function send() {
  setStatus("saving");
  try {
    const saved = await mutations.saveDraft(flow.id, {
      graph: model.current(),
      name,
      expectedRevision: flow.revision,
    });
    flow = { ...flow, ...saved };
    name = null;
    retries = 0;
    setStatus(dirty ? "unsaved" : "saved");
    emit("flow:save", flow);
  } catch (error) {
    dirty = true;
    if (error.code === "CONFLICT") {
      conflicted = true;
      setStatus("conflict");
      emit("save:conflict", error);
    } else if (TRANSIENT.includes(error.code) || error.extensions?.retryable) {
      setStatus("retrying");
      schedule(Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** retries++));
    } else {
      setStatus("failed", error.message);
      schedule(RETRY_MS);
    }
  } finally {
    inFlight = null;
  }
}

// The designer's explicit choice after a conflict: this tab's version becomes the draft.
async function keepMine() {
  try {
    const latest = await queries.draft(flow.id);
    flow = { ...flow, revision: latest.revision };
    conflicted = false;
    notice.hide();
    await save();
  } catch (error) {
    notice.failure(error);
  }
}

function schedule(delay) {
  clearTimeout(timer);
  timer = setTimeout(save, delay);
}

function setStatus(state, detail) {
  emit("save:status", { state, detail });
}
