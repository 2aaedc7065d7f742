// A tiny event bus: `noun:verb` names; a throwing handler is logged, never breaks the emitter.
const handlers = new Map();

export function on(name, handler) {
  if (!handlers.has(name)) handlers.set(name, new Set());
  handlers.get(name).add(handler);
  return () => handlers.get(name).delete(handler);
}

export function emit(name, detail) {
  for (const handler of handlers.get(name) ?? []) {
    try {
      handler(detail);
    } catch (error) {
      console.warn(`handler of ${name} failed`, error);
    }
  }
}
