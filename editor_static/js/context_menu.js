// The canvas's right-click menu. canvas.js announces a right click (canvas:menu, with the
// screen point and the document point under it) after selecting what was clicked; this module
// shows the editor's commands there. Arrow keys move between items, Escape or a click
// elsewhere closes it.
import { element } from "./views.js";
import { subscribe } from "./events.js";

let menu = null;

// `items`: [{label, shortcut, enabled(), run(at)}], in order.
export function init(items) {
  const stop = subscribe({ "canvas:menu": (detail) => open(items, detail) });
  return () => {
    close();
    stop();
  };
}

function open(items, { x, y, at }) {
  close();
  const buttons = items.map((item) =>
    element(
      "button",
      {
        type: "button",
        role: "menuitem",
        disabled: !item.enabled(),
        onClick: () => {
          close();
          item.run(at);
        },
      },
      element("span", { text: item.label }),
      item.shortcut ? element("kbd", { text: item.shortcut }) : null,
    ),
  );
  menu = element("div", { class: "pf-menu", role: "menu", "aria-label": "Canvas commands" }, ...buttons);
  menu.style.left = `${x}px`;
  menu.style.top = `${y}px`;
  menu.addEventListener("keydown", (event) => {
    const enabled = buttons.filter((button) => !button.disabled);
    const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (event.key === "Escape") close();
    else if (step && enabled.length) {
      event.preventDefault();
      const index = enabled.indexOf(document.activeElement);
      enabled[(index + step + enabled.length) % enabled.length].focus();
    }
  });
  document.body.append(menu);
  buttons.find((button) => !button.disabled)?.focus();
  window.addEventListener("pointerdown", outside, true);
}

function outside(event) {
  if (!menu?.contains(event.target)) close();
}

function close() {
  window.removeEventListener("pointerdown", outside, true);
  menu?.remove();
  menu = null;
}
