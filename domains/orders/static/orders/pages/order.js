// A customer orders a package and watches it until the PIN appears (hidden until revealed).
import { $, api, apiAll, boot, dateTime, el, explain, live, money, newKey, notify, perFrame, gettext } from "../../console/app.js";
import { OrderStore, STATUS_TAG, statusName } from "../orders.js";

const store = new OrderStore(perFrame(render));

function pinControls(order) {
  if (!order.pin) return null;
  const pin = el("span", { class: "pin", hidden: true, "aria-label": gettext("PIN") }, order.pin);
  const reveal = el("button", { type: "button", "aria-expanded": "false" }, gettext("Show PIN"));
  reveal.addEventListener("click", () => {
    pin.hidden = !pin.hidden;
    reveal.setAttribute("aria-expanded", String(!pin.hidden));
    reveal.textContent = pin.hidden ? gettext("Show PIN") : gettext("Hide PIN");
  });
  const copy = el("button", { type: "button" }, gettext("Copy PIN"));
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(order.pin);
      notify(gettext("PIN copied."), "ok");
    } catch {
      pin.hidden = false;
      notify(gettext("Copying is not allowed here: select the PIN and copy it."), "error");
    }
  });
  return el("div", { class: "inline" }, reveal, " ", copy, " ", pin);
}

function render() {
  const rows = [...store.orders.values()].sort((a, b) => b.id - a.id);
  $("#orders").replaceChildren(
    ...rows.map((order) =>
      el(
        "li",
        { dataset: { order: order.id, status: order.status } },
        el("strong", {}, `${order.product_name} · ${order.package_name}`),
        " ",
        money(order.price, order.currency),
        el("div", { class: "muted" }, `${order.account} · ${dateTime(order.created_at)}`),
        el("span", { class: `tag ${STATUS_TAG[order.status] ?? ""}`, "aria-label": gettext("Status") }, statusName(order.status)),
        order.failure_message ? el("span", { class: "error" }, " ", order.failure_message) : null,
        pinControls(order),
      ),
    ),
  );
  if (!rows.length) $("#orders").append(el("li", { class: "muted" }, gettext("No orders yet.")));
}

async function loadPackages() {
  const [products, packages] = await Promise.all([apiAll("/api/orders/products/"), apiAll("/api/orders/packages/")]);
  const names = new Map(products.map((p) => [p.id, p.name]));
  $("#packages").replaceChildren(
    ...packages.map((p) => el("option", { value: p.id }, `${names.get(p.product) ?? ""} · ${p.name} · ${money(p.price, p.currency)}`)),
  );
}

async function place(event) {
  event.preventDefault();
  const form = event.target;
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const order = await api("/api/orders/", {
      method: "POST",
      body: { package: Number(form.package.value), account: form.account.value.trim() },
      idempotencyKey: newKey(),
    });
    store.orders.set(order.id, { ...store.orders.get(order.id), ...order });
    store.render();
    notify(gettext("Order placed. The PIN appears here when the provider delivers it."), "ok");
  } catch (error) {
    notify(explain(error), "error");
  } finally {
    button.disabled = false;
  }
}

boot(async () => {
  $("#place").addEventListener("submit", place);
  await loadPackages();
  live.subscribe("orders", { load: () => store.load(), apply: (event) => store.apply(event) || store.reloadSoon() });
});
