// The cashier's till, on a phone or a counter screen: the branch's products as a grid with their
// price and stock, found by name, code or a barcode scanner (a keyboard wedge types the code and
// Enter); a cart with prices, line amounts and the total; the change due from the cash received;
// today's sales, each returned only after the cashier confirms what goes back.
import { $, api, apiAll, boot, debounce, el, explain, gettext, isoDate, live, money, newKey, notify, perFrame, quantity, tf, time } from "../../console/app.js";
import { branchPicker } from "../shops.js";

let branch = null;
const products = new Map(); // product id -> the branch's stock row (price, barcode, on hand)
const cart = new Map(); // product id -> quantity (a number)
const recent = new Map();

const priceOf = (row) => Number(row.sale_price);
const lineAmount = (row, amount) => priceOf(row) * amount;
const currency = () => [...products.values()][0]?.currency ?? "UZS";
const cartTotal = () => [...cart].reduce((sum, [id, amount]) => sum + lineAmount(products.get(id), amount), 0);

// -- products ---------------------------------------------------------------------------------

function matches(row, words) {
  const text = `${row.product_name} ${row.sku} ${row.barcode}`.toLowerCase();
  return words.every((word) => text.includes(word));
}

const renderProducts = perFrame(() => {
  const words = $("#search").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const rows = [...products.values()].filter((row) => row.sale_price !== null && matches(row, words)).sort((a, b) => a.product_name.localeCompare(b.product_name));
  $("#products").replaceChildren(
    ...rows.map((row) => {
      const left = Number(row.on_hand) - (cart.get(row.product) ?? 0);
      const add = el(
        "button",
        { type: "button", class: "product", disabled: left <= 0, "aria-label": tf(gettext("Add %(product)s"), { product: row.product_name }) },
        el("span", { class: "product-name" }, row.product_name),
        el("strong", { class: "product-price" }, money(row.sale_price, row.currency)),
        el("span", { class: left > 0 ? "muted" : "tag bad" }, left > 0 ? quantity(left, row.unit) : gettext("out of stock")),
      );
      add.addEventListener("click", () => addToCart(row.product));
      return el("li", { dataset: { product: row.product } }, add);
    }),
  );
  if (!rows.length) $("#products").append(el("li", { class: "muted" }, products.size ? gettext("No products match.") : gettext("No products for sale at this branch yet.")));
});

function addToCart(id, amount = 1) {
  const row = products.get(id);
  const next = (cart.get(id) ?? 0) + amount;
  if (next > Number(row.on_hand)) {
    notify(tf(gettext("Only %(left)s of %(product)s in stock."), { left: quantity(row.on_hand, row.unit), product: row.product_name }), "error");
    return;
  }
  cart.set(id, next);
  renderAll();
}

// A barcode scanner is a keyboard: it types the code fast and presses Enter. Into the search
// box, or anywhere on the page while no field has the focus.
function scanned(code) {
  const wanted = code.trim();
  if (!wanted) return false;
  const row = [...products.values()].find((p) => p.sale_price !== null && (p.barcode === wanted || p.sku.toLowerCase() === wanted.toLowerCase()));
  if (!row) {
    notify(tf(gettext("No product has the code %(code)s."), { code: wanted }), "error");
    return false;
  }
  addToCart(row.product);
  return true;
}

let typed = "";
let typedAt = 0;
function wedge(event) {
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return;
  if ($("#return-dialog").open) return;
  const now = performance.now();
  if (now - typedAt > 80) typed = ""; // a person types slower than a scanner
  typedAt = now;
  if (event.key === "Enter" && typed.length >= 4) {
    event.preventDefault();
    scanned(typed);
    typed = "";
  } else if (event.key.length === 1) {
    typed += event.key;
  }
}

// -- cart ---------------------------------------------------------------------------------------

const renderCart = perFrame(() => {
  const lines = [...cart].map(([id, amount]) => {
    const row = products.get(id);
    const input = el("input", { type: "number", min: "0", step: row.unit === "pcs" ? "1" : "any", inputmode: "decimal", value: String(amount), "aria-label": tf(gettext("Quantity of %(product)s"), { product: row.product_name }) });
    input.addEventListener("input", () => {
      const value = Number(input.value.replace(",", "."));
      if (!Number.isFinite(value) || value < 0) return;
      if (value === 0) cart.delete(id);
      else cart.set(id, Math.min(value, Number(row.on_hand)));
      renderTotals();
      renderProducts();
    });
    input.addEventListener("change", () => renderAll());
    const less = el("button", { type: "button", class: "step", "aria-label": tf(gettext("One less %(product)s"), { product: row.product_name }) }, "−");
    less.addEventListener("click", () => (amount <= 1 ? cart.delete(id) : cart.set(id, amount - 1), renderAll()));
    const more = el("button", { type: "button", class: "step", "aria-label": tf(gettext("One more %(product)s"), { product: row.product_name }) }, "+");
    more.addEventListener("click", () => addToCart(id));
    const remove = el("button", { type: "button", class: "danger", "aria-label": tf(gettext("Remove %(product)s"), { product: row.product_name }) }, "×");
    remove.addEventListener("click", () => (cart.delete(id), renderAll()));
    return el(
      "li",
      { dataset: { product: id }, "aria-label": row.product_name },
      el("div", { class: "cart-name" }, el("strong", {}, row.product_name), el("span", { class: "muted" }, `${money(row.sale_price, row.currency)} × ${quantity(amount, row.unit)}`)),
      el("div", { class: "cart-qty" }, less, input, more),
      el("strong", { class: "cart-amount", "aria-label": tf(gettext("Amount for %(product)s"), { product: row.product_name }) }, money(lineAmount(row, amount), row.currency)),
      remove,
    );
  });
  $("#cart").replaceChildren(...lines);
  if (!lines.length) $("#cart").append(el("li", { class: "muted" }, gettext("Tap a product or scan its barcode.")));
  renderTotals();
});

function renderTotals() {
  const total = cartTotal();
  $("#total").textContent = money(total, currency());
  const cash = $("#checkout").payment_method.value === "cash";
  $("#received-field").hidden = !cash;
  const received = Number($("#received").value.replace(/\s/g, "").replace(",", "."));
  const change = $("#change");
  change.dataset.state = "";
  if (!cash || !$("#received").value.trim() || !Number.isFinite(received) || !cart.size) change.textContent = "";
  else if (received >= total) change.textContent = tf(gettext("Change due: %(amount)s"), { amount: money(received - total, currency()) });
  else {
    change.dataset.state = "short";
    change.textContent = tf(gettext("Short by %(amount)s"), { amount: money(total - received, currency()) });
  }
  $("#record").disabled = !cart.size;
  const bar = $("#till-bar"); // on a phone, the cart is below the products: its total stays in view
  bar.hidden = !cart.size;
  const items = [...cart.values()].reduce((sum, amount) => sum + amount, 0);
  bar.textContent = tf(gettext("Cart: %(items)s · %(total)s"), { items: quantity(items), total: money(total, currency()) });
}

function renderAll() {
  renderProducts();
  renderCart();
}

async function checkout(event) {
  event.preventDefault();
  const problem = $("#checkout-problem");
  problem.hidden = true;
  if (!cart.size) return;
  const total = cartTotal();
  const method = event.target.payment_method.value;
  const received = Number($("#received").value.replace(/\s/g, "").replace(",", "."));
  if (method === "cash" && $("#received").value.trim() && received < total) {
    problem.textContent = tf(gettext("Short by %(amount)s"), { amount: money(total - received, currency()) });
    problem.hidden = false;
    return;
  }
  $("#record").disabled = true;
  try {
    const sale = await api("/api/shops/sales/", {
      method: "POST",
      idempotencyKey: newKey(),
      body: { branch, payment_method: method, lines: [...cart].map(([product, amount]) => ({ product, quantity: String(amount) })) },
    });
    for (const [id, amount] of cart) products.get(id).on_hand = String(Number(products.get(id).on_hand) - amount);
    cart.clear();
    recent.set(sale.id, sale);
    const change = method === "cash" && $("#received").value.trim() ? received - Number(sale.total) : null;
    $("#received").value = "";
    notify(
      change !== null
        ? tf(gettext("Sale #%(id)s recorded: %(total)s. Change: %(change)s."), { id: sale.id, total: money(sale.total, sale.currency), change: money(change, sale.currency) })
        : tf(gettext("Sale #%(id)s recorded: %(total)s."), { id: sale.id, total: money(sale.total, sale.currency) }),
      "ok",
    );
    renderAll();
    renderRecent();
    refreshStock();
  } catch (error) {
    problem.textContent = explain(error);
    problem.hidden = false;
    renderTotals();
  }
}

// -- today's sales and returns ---------------------------------------------------------------

const renderRecent = perFrame(() => {
  $("#recent").replaceChildren(
    ...[...recent.values()].sort((a, b) => b.id - a.id).map((sale) => {
      const left = Number(sale.total) - Number(sale.refunded_total);
      const back = el("button", { type: "button", disabled: left <= 0, "aria-label": tf(gettext("Return from sale #%(id)s"), { id: sale.id }) }, gettext("Return…"));
      back.addEventListener("click", () => openReturn(sale));
      const returned = Number(sale.refunded_total) > 0 ? el("span", { class: "tag warn" }, tf(gettext("%(amount)s returned"), { amount: money(sale.refunded_total, sale.currency) })) : null;
      return el("li", { dataset: { sale: sale.id }, "aria-label": tf(gettext("Sale #%(id)s"), { id: sale.id }) }, el("strong", {}, `#${sale.id} · ${money(sale.total, sale.currency)}`), ` · ${time(sale.created_at).slice(0, 5)} `, returned, " ", back);
    }),
  );
  if (!recent.size) $("#recent").append(el("li", { class: "muted" }, gettext("No sales yet today.")));
});

function openReturn(sale) {
  const dialog = $("#return-dialog");
  const form = $("#return-form");
  form.reset();
  $("#return-problem").hidden = true;
  $("#return-h").textContent = tf(gettext("Return from sale #%(id)s"), { id: sale.id });
  const inputs = sale.lines
    .map((line) => ({ line, left: Number(line.quantity) - Number(line.returned_quantity) }))
    .filter(({ left }) => left > 0)
    .map(({ line, left }) => {
      const input = el("input", { type: "number", min: "0", max: String(left), step: "any", inputmode: "decimal", value: String(left), dataset: { line: line.id, price: Number(line.total) / Number(line.quantity) } });
      input.addEventListener("input", showRefund);
      return el("label", {}, tf(gettext("%(product)s: how many back (of %(left)s)"), { product: line.product_name, left: quantity(left) }), input);
    });
  $("#return-lines").replaceChildren(...inputs);
  function showRefund() {
    const refund = [...form.querySelectorAll("[data-line]")].reduce((sum, input) => sum + Math.min(Number(input.value) || 0, Number(input.max)) * Number(input.dataset.price), 0);
    $("#return-total").textContent = tf(gettext("To refund: %(amount)s"), { amount: money(refund, sale.currency) });
    $("#return-confirm").disabled = refund <= 0;
  }
  showRefund();
  form.onsubmit = async (event) => {
    event.preventDefault();
    const lines = [...form.querySelectorAll("[data-line]")].filter((input) => Number(input.value) > 0).map((input) => ({ sale_line: Number(input.dataset.line), quantity: input.value.replace(",", ".") }));
    $("#return-confirm").disabled = true;
    try {
      await api(`/api/shops/sales/${sale.id}/returns/`, { method: "POST", idempotencyKey: newKey(), body: { lines, reason: form.reason.value } });
      const fresh = await api(`/api/shops/sales/${sale.id}/`);
      recent.set(fresh.id, fresh);
      dialog.close();
      notify(tf(gettext("Refunded %(amount)s for sale #%(id)s."), { amount: money(Number(fresh.refunded_total) - Number(sale.refunded_total), fresh.currency), id: sale.id }), "ok");
      renderRecent();
      refreshStock();
    } catch (error) {
      $("#return-problem").textContent = explain(error);
      $("#return-problem").hidden = false;
      $("#return-confirm").disabled = false;
    }
  };
  dialog.showModal();
}

// -- loading ------------------------------------------------------------------------------------

async function loadStock() {
  const rows = await apiAll(`/api/shops/branches/${branch}/stock/`);
  products.clear();
  for (const row of rows) products.set(row.product, row);
  for (const [id, amount] of cart) if (!products.has(id) || Number(products.get(id).on_hand) < amount) cart.delete(id);
  renderAll();
}
const refreshStock = debounce(() => loadStock().catch(() => {}), 300);

async function load() {
  if (branch === null) return;
  await loadStock();
  recent.clear();
  for (const row of await apiAll("/api/shops/sales/", { branch, day_from: isoDate(), day_to: isoDate() }, 200)) recent.set(row.id, row);
  renderRecent();
}

boot(async () => {
  branch = await branchPicker("branch", (id) => ((branch = id), cart.clear(), load()), { may: "sales.record" });
  if (branch === null) {
    $("#till").hidden = true;
    $("#till-empty").hidden = false;
    return;
  }
  $("#search").addEventListener("input", renderProducts);
  $("#search").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      if (scanned($("#search").value)) $("#search").value = "";
      renderProducts();
    }
  });
  document.addEventListener("keydown", wedge);
  $("#checkout").addEventListener("submit", checkout);
  $("#checkout").addEventListener("change", renderTotals);
  $("#received").addEventListener("input", renderTotals);
  $("#return-cancel").addEventListener("click", () => $("#return-dialog").close());
  renderCart();
  live.subscribe("sales", {
    load,
    // Another till of this branch sold or took something back: its stock changed too.
    apply: (event) => {
      if (event.data.branch_id !== branch) return;
      refreshStock();
      api(`/api/shops/sales/${event.data.sale_id}/`).then((row) => (recent.set(row.id, row), renderRecent()), () => {});
    },
  });
});
