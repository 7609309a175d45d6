// The agent's e-catalog: find a product by name, code or barcode, see the client's price and
// the stock 1C reported, build an order and place it; its 1C number arrives live. Catalog
// changes from a 1C exchange refresh the products shown.
import { $, api, apiAll, boot, can, debounce, el, explain, live, money, newKey, notify, perFrame, picture, quantity, gettext, tf, time } from "../../console/app.js";

const products = new Map(); // id -> row, as shown
const lines = new Map(); // product id -> {product, quantity}
const orders = new Map();
let next = null;
let key = newKey(); // one per order: a retried "Place order" places it once

const STATUS = { pending: () => gettext("waiting for 1C"), sent: () => gettext("in 1C"), failed: () => gettext("refused by 1C") };
const form = () => $("#find");
const priceOf = (row) => (row.price ? money(row.price.amount, row.price.currency) : "—");

function thumbnail(row) {
  if (!row.images.length) return null;
  const img = el("img", { class: "thumb", alt: "", width: 32, height: 32, loading: "lazy" }); // the name says what it is
  picture(row.images[0]).then((src) => (img.src = src), () => img.remove());
  return img;
}

function productRow(row) {
  const cells = [
    el("td", {}, thumbnail(row), row.name, row.barcodes.length ? el("small", { class: "muted" }, ` ${row.barcodes.join(", ")}`) : null),
    el("td", { "data-label": gettext("Code") }, row.code),
    el("td", { class: "num", "data-label": gettext("In stock") }, quantity(row.in_stock, row.unit)),
    el("td", { class: "num", "data-label": gettext("Price") }, priceOf(row)),
  ];
  const action = el("td");
  if (can("field_orders.place") && row.price && Number(row.in_stock) > 0) {
    const add = el("button", { type: "button", "aria-label": tf(gettext("Add %(product)s to the order"), { product: row.name }) }, "+");
    add.addEventListener("click", () => addLine(row));
    action.append(add);
  }
  return el("tr", { dataset: { product: row.id } }, ...cells, action);
}

const renderProducts = perFrame(() => {
  const body = $("#products");
  body.removeAttribute("aria-busy");
  body.replaceChildren(...[...products.values()].map(productRow));
  if (!products.size) body.append(el("tr", {}, el("td", { colspan: 5, class: "muted" }, gettext("No products match."))));
  $("#more").hidden = !next;
});

const renderOrder = perFrame(() => {
  $("#lines").replaceChildren(
    ...[...lines.values()].map((line) => {
      const amount = Number(line.product.price.amount) * Number(line.quantity);
      const currency = line.product.price.currency;
      const input = el("input", { type: "number", min: "0.001", step: "any", value: line.quantity, size: 6, inputmode: "decimal", "aria-label": tf(gettext("Quantity of %(product)s"), { product: line.product.name }) });
      // The total follows each keystroke; the line is redrawn when the field is left.
      input.addEventListener("input", () => {
        line.quantity = input.value;
        renderTotal();
      });
      input.addEventListener("change", () => renderOrder());
      const remove = el("button", { type: "button", "aria-label": tf(gettext("Remove %(product)s"), { product: line.product.name }) }, "×");
      remove.addEventListener("click", () => (lines.delete(line.product.id), renderOrder()));
      return el("tr", {}, el("td", {}, line.product.name), el("td", { class: "num", "data-label": gettext("Quantity") }, input), el("td", { class: "num", "data-label": gettext("Amount") }, money(amount, currency)), el("td", {}, remove));
    }),
  );
  renderTotal();
});

function renderTotal() {
  let total = 0;
  let currency = "UZS";
  for (const line of lines.values()) {
    const amount = Number(line.product.price.amount) * Number(line.quantity);
    if (Number.isFinite(amount)) total += amount;
    currency = line.product.price.currency;
  }
  $("#total").textContent = lines.size ? money(total, currency) : "—";
}

const renderOrders = perFrame(() => {
  $("#orders").replaceChildren(
    ...[...orders.values()].sort((a, b) => b.id - a.id).map((o) =>
      el(
        "li",
        { dataset: { order: o.id, status: o.status } },
        el("strong", {}, `#${o.id} ${money(o.total, o.currency)}`),
        ` · ${o.client ?? ""} · ${time(o.created_at)} `,
        el("span", { class: `tag ${o.status === "sent" ? "good" : o.status === "failed" ? "bad" : "warn"}` }, STATUS[o.status]?.() ?? o.status),
        o.onec_number ? ` ${tf(gettext("1C number %(number)s"), { number: o.onec_number })}` : "",
      ),
    ),
  );
});

function params() {
  const f = form();
  return { search: f.search.value.trim(), group: f.group.value, client: f.client.value, in_stock: f.in_stock.checked ? "true" : "" };
}

async function search() {
  const page = await api("/api/catalog/products/", { params: { ...params(), page_size: 50 } });
  products.clear();
  for (const row of page.results) products.set(row.id, row);
  next = page.next;
  renderProducts();
}

async function more() {
  if (!next) return;
  const page = await api(next);
  for (const row of page.results) products.set(row.id, row);
  next = page.next;
  renderProducts();
}

function addLine(row) {
  const line = lines.get(row.id) ?? { product: row, quantity: "0" };
  line.quantity = String(Number(line.quantity) + 1);
  lines.set(row.id, line);
  $("#order-card").hidden = false;
  renderOrder();
}

async function place(event) {
  event.preventDefault();
  const client = form().client.value;
  if (!client) return notify(gettext("Choose the client first: the order uses its prices."), "error");
  if (!lines.size) return notify(gettext("Add a product first."), "error");
  const button = event.target.querySelector("button");
  button.disabled = true;
  try {
    const order = await api("/api/field-orders/", {
      method: "POST",
      idempotencyKey: key,
      body: { client: Number(client), comment: event.target.comment.value, lines: [...lines.values()].map((l) => ({ product: l.product.id, quantity: l.quantity })) },
    });
    orders.set(order.id, order);
    lines.clear();
    key = newKey();
    event.target.reset();
    renderOrder();
    renderOrders();
    notify(tf(gettext("Order #%(id)s placed: %(total)s."), { id: order.id, total: money(order.total, order.currency) }), "ok");
  } catch (error) {
    notify(error.code === "insufficient_stock" ? shortageText(error.body.shortages || []) : explain(error), "error");
  } finally {
    button.disabled = false;
  }
}

function shortageText(shortages) {
  const parts = shortages.map((s) => tf(gettext("%(name)s: %(needed)s wanted, %(available)s in stock"), { name: s.name, needed: quantity(s.needed), available: quantity(s.available) }));
  return `${gettext("Not enough stock, as 1C last reported.")} ${parts.join("; ")}.`;
}

async function loadChoices() {
  const groups = await api("/api/catalog/groups/");
  const byId = new Map(groups.map((g) => [g.id, g]));
  const label = (g) => (g.parent_id && byId.has(g.parent_id) ? `${byId.get(g.parent_id).name} / ${g.name}` : g.name);
  form().group.append(...groups.map((g) => ({ g, text: label(g) })).sort((a, b) => a.text.localeCompare(b.text)).map(({ g, text }) => el("option", { value: g.id }, text)));
  const clients = await apiAll("/api/clients/", {}, 200);
  form().client.append(...clients.map((c) => el("option", { value: c.id }, c.code ? `${c.name} (${c.code})` : c.name)));
}

async function loadOrders() {
  orders.clear();
  for (const row of await apiAll("/api/field-orders/", {}, 20)) orders.set(row.id, row);
  renderOrders();
}

const refresh = debounce(search, 300);

function applyCatalog(event) {
  // One event per applied 1C batch: refetch when it touched what is shown (or too much to list).
  if (event.data.truncated || event.data.product_ids.some((id) => products.has(id))) refresh();
}

function applyOrder(event) {
  api(`/api/field-orders/${event.data.field_order_id}/`).then((row) => (orders.set(row.id, row), renderOrders()), () => {});
}

boot(async () => {
  await loadChoices();
  const f = form();
  f.addEventListener("submit", (event) => event.preventDefault());
  f.search.addEventListener("input", refresh);
  for (const name of ["group", "client", "in_stock"]) f[name].addEventListener("change", refresh);
  $("#more").addEventListener("click", () => more().catch((error) => notify(explain(error), "error")));
  $("#place").addEventListener("submit", place);
  live.subscribe("catalog", { load: search, apply: applyCatalog });
  if (can("field_orders.place") || can("visits.view_all")) live.subscribe("field_orders", { load: loadOrders, apply: applyOrder });
});
