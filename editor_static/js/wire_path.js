// The shape of a wire as an SVG path: a smooth curve from an output port to an input port, or,
// after Tidy up, a path through the points the layout kept clear of nodes (tidy_worker.js).
import { NODE_WIDTH } from "./canvas_node.js";

export function curve(from, to) {
  const bend = Math.max(50, Math.abs(to.x - from.x) / 2);
  return `M ${from.x} ${from.y} C ${from.x + bend} ${from.y}, ${to.x - bend} ${to.y}, ${to.x} ${to.y}`;
}

// From `from` (the right edge of the source) through `via` to `to` (the left edge of the target).
// Level runs stay straight; between two heights an S-curve with level ends, which never leaves
// the x range between its two points. A wire that starts by going left (a loop back) runs under
// its own source node first, and one that arrives from the right runs under its target.
export function routed(from, via, to) {
  const points = [from];
  if (via.length && via[0].x < from.x) points.push({ x: from.x - NODE_WIDTH, y: from.y });
  points.push(...via);
  if (via.length && via.at(-1).x > to.x) points.push({ x: to.x + NODE_WIDTH, y: to.y });
  points.push(to);
  let d = `M ${from.x} ${from.y}`;
  for (let index = 1; index < points.length; index += 1) {
    const [a, b] = [points[index - 1], points[index]];
    const middle = (a.x + b.x) / 2;
    d += a.y === b.y ? ` L ${b.x} ${b.y}` : ` C ${middle} ${a.y}, ${middle} ${b.y}, ${b.x} ${b.y}`;
  }
  return d;
}
