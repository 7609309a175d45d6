// The lost-and-found book: what was found, newest first, and what is found while it is open.
import { $, api, boot, el, gettext, live } from "../../console/app.js";

const items = new Map();

function render() {
  const rows = [...items.values()].sort((a, b) => b.id - a.id);
  $("#items").replaceChildren(...rows.map((item) => el("li", {}, item.description, item.valuable ? ` · ${gettext("valuable")}` : "")));
}

async function load() {
  items.clear();
  for (const item of await api("/api/lostfound/items/")) items.set(item.id, item);
  render();
}

function apply(event) {
  if (event.type !== "lostfound.item_logged") return;
  const { item_id: id, description, valuable } = event.data;
  items.set(id, { id, description, valuable });
  render();
}

boot(async () => live.subscribe("lostfound", { load, apply }));
