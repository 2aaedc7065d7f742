// Undo/redo as commands: model.js hands over each edit with its inverse; undo runs the inverse,
// redo runs the steps again. The keystrokes of one typing session (commands sharing a `coalesce`
// key) are one step. Loading a document starts a new history.
import { emit, on } from "./events.js";
import * as model from "./model.js";

const LIMIT = 500;
let done = [];
let undone = [];

on("document:load", () => {
  done = [];
  undone = [];
  announce();
});

on("document:change", ({ command, source }) => {
  if (source !== "edit") return;
  const last = done.at(-1);
  if (command.coalesce && command.coalesce === last?.coalesce) {
    // Undo goes back to before the first keystroke; redo replays them all.
    done[done.length - 1] = {
      ...command,
      steps: [...last.steps, ...command.steps],
      inverse: [...command.inverse, ...last.inverse],
    };
  } else {
    done.push(command);
    if (done.length > LIMIT) done.shift();
  }
  undone = [];
  announce();
});

export function undo() {
  const command = done.at(-1);
  if (!command || !model.run(command.label, command.inverse, { source: "undo" })) return;
  undone.push(done.pop());
  announce();
}

export function redo() {
  const command = undone.at(-1);
  if (!command || !model.run(command.label, command.steps, { source: "redo" })) return;
  done.push(undone.pop());
  announce();
}

function announce() {
  emit("history:change", { undo: done.at(-1)?.label ?? null, redo: undone.at(-1)?.label ?? null });
}
