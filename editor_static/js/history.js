// Undo/redo over every change of the document: each change records the document before it.
import { on, emit } from "./events.js";
import * as model from "./model.js";

const LIMIT = 200;
let undoStack = [];
let redoStack = [];
let restoring = false;

on("document:load", () => {
  undoStack = [];
  redoStack = [];
  emit("history:change", state());
});

on("document:change", ({ before }) => {
  if (restoring || before === null) return;
  undoStack.push(before);
  if (undoStack.length > LIMIT) undoStack.shift();
  redoStack = [];
  emit("history:change", state());
});

export function undo() {
  if (!undoStack.length || model.isReadOnly()) return;
  redoStack.push(structuredClone(model.current()));
  restore(undoStack.pop());
}

export function redo() {
  if (!redoStack.length || model.isReadOnly()) return;
  undoStack.push(structuredClone(model.current()));
  restore(redoStack.pop());
}

export function state() {
  return { canUndo: undoStack.length > 0, canRedo: redoStack.length > 0 };
}

function restore(graph) {
  restoring = true;
  try {
    model.replace(graph);
  } finally {
    restoring = false;
  }
  emit("history:change", state());
}
