// The editor's bus: `noun:verb` names (node:add, edge:remove, selection:change, document:change).
// A throwing handler is logged and never stops the emitter or the other handlers.
const handlers = new Map();

export function on(name, handler) {
  if (!handlers.has(name)) handlers.set(name, new Set());
  handlers.get(name).add(handler);
  return () => off(name, handler);
}

export function off(name, handler) {
  handlers.get(name)?.delete(handler);
}

export function emit(name, detail) {
  for (const handler of [...(handlers.get(name) ?? [])]) {
    try {
      handler(detail);
    } catch (error) {
      console.error(`A handler of ${name} failed:`, error);
    }
  }
}

// Subscribes to several events at once: `subscribe({"node:add": draw})`; the result undoes it.
export function subscribe(table) {
  const offs = Object.entries(table).map(([name, handler]) => on(name, handler));
  return () => offs.forEach((undo) => undo());
}
