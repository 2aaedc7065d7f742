// Following a pointer gesture (a drag, a pan, a rubber band) until the button is released.

// Calls `move` on each pointer move and `done` once when the pointer is released.
export function track(move, done) {
  const stop = (event) => {
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", stop);
    done(event);
  };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", stop);
}
