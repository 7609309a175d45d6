// Kitchen: portions possible per meal (live), serving for cooks, stock, deliveries and
// adjustments for managers, the month's served-vs-possible report and the charts.
import { $, api, apiAll, boot, can, debounce, el, explain, integer, isoDate, live, newKey, notify, perFrame, quantity, gettext, tf, percent, dateTime } from "../../console/app.js";
import { drawDaily } from "../../console/charts.js";

const meals = new Map(); // meal id -> {id, name, portions, version, node}
const products = new Map(); // product id -> product row (central stock), plus movement_id seen

// -- meals and serving -----------------------------------------------------------------------

function mealCard(meal) {
  const count = el("output", { class: "portions", "aria-label": tf(gettext("Portions possible: %(meal)s"), { meal: meal.name }) });
  const card = el("article", { class: "card meal", dataset: { meal: meal.id } }, el("h3", {}, meal.name), count);
  if (can("kitchen.serve")) {
    const inputId = `serve-${meal.id}`;
    const amount = el("input", { id: inputId, type: "number", min: 1, max: 10000, value: 1, inputmode: "numeric" });
    const button = el("button", { class: "primary", type: "button", "aria-label": tf(gettext("Serve %(meal)s"), { meal: meal.name }) }, gettext("Serve"));
    button.addEventListener("click", () => serve(meal, amount, button));
    card.append(el("div", { class: "serve" }, el("label", { for: inputId, class: "sr-only" }, gettext("Portions to serve")), amount, button));
  }
  return { card, count };
}

const renderMeals = perFrame(() => {
  const box = $("#meals");
  box.removeAttribute("aria-busy");
  for (const meal of meals.values()) {
    if (!meal.node) {
      meal.node = mealCard(meal);
      box.append(meal.node.card);
    }
    if (meal.node.count.dataset.value !== String(meal.portions)) {
      meal.node.count.dataset.value = String(meal.portions);
      meal.node.count.textContent = integer(meal.portions);
      meal.node.count.classList.toggle("none", meal.portions === 0);
    }
  }
  for (const card of box.querySelectorAll(".meal")) {
    if (!meals.has(Number(card.dataset.meal))) card.remove();
  }
  if (!meals.size && !box.querySelector(".muted")) box.append(el("p", { class: "muted" }, gettext("No meals yet.")));
});

async function serve(meal, amountInput, button) {
  const portions = Number(amountInput.value);
  if (!Number.isInteger(portions) || portions < 1 || portions > 10000) {
    notify(gettext("Enter a whole number of portions from 1 to 10,000."), "error");
    amountInput.focus();
    return;
  }
  button.disabled = true;
  const key = newKey(); // one per tap: a retry of this tap serves once
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await api(`/api/kitchen/meals/${meal.id}/serve/`, { method: "POST", body: { portions }, idempotencyKey: key });
        break;
      } catch (error) {
        if (attempt < 2 && (error.status === 0 || error.status === 503)) continue;
        throw error;
      }
    }
    notify(tf(gettext("Served %(portions)s × %(meal)s."), { portions: integer(portions), meal: meal.name }), "ok");
  } catch (error) {
    notify(error.code === "insufficient_stock" ? shortageText(meal, error.body.shortages || []) : explain(error), "error");
  } finally {
    button.disabled = false;
  }
}

function shortageText(meal, shortages) {
  const parts = shortages.map((s) =>
    tf(gettext("%(name)s: needs %(needed)s, only %(available)s left"), {
      name: s.name,
      needed: quantity(s.needed, s.unit),
      available: quantity(s.available, s.unit),
    }),
  );
  return `${tf(gettext("Not enough stock to serve %(meal)s."), { meal: meal.name })} ${parts.join("; ")}.`;
}

async function loadPortions() {
  const rows = await api("/api/kitchen/portions/");
  const ids = new Set(rows.map((row) => row.meal_id));
  for (const [id, meal] of meals) if (!ids.has(id)) meals.delete(id);
  for (const row of rows) {
    const meal = meals.get(row.meal_id) ?? { id: row.meal_id };
    Object.assign(meal, { name: row.name, portions: row.portions, version: 0 });
    meals.set(row.meal_id, meal);
  }
  renderMeals();
}

const reloadPortions = debounce(loadPortions, 300);

function applyKitchen(event) {
  const data = event.data;
  if (event.type === "kitchen.portions_changed") {
    for (const change of data.meals) {
      const meal = meals.get(change.meal_id);
      if (!meal) reloadPortions();
      else if (change.version > meal.version) Object.assign(meal, { portions: change.portions, version: change.version });
    }
    renderMeals();
  } else if (event.type === "kitchen.meal_changed") {
    if (data.deleted) meals.delete(data.meal_id);
    else if (meals.has(data.meal_id) && meals.get(data.meal_id).name !== data.name) {
      meals.get(data.meal_id).node?.card.remove();
      Object.assign(meals.get(data.meal_id), { name: data.name, node: null });
    }
    reloadPortions();
  } else if (event.type === "kitchen.meal_served") {
    refreshCharts();
  } else if (event.type === "kitchen.report_built") {
    loadReport();
  }
}

// -- stock -------------------------------------------------------------------------------------

const renderStock = perFrame(() => {
  const rows = [...products.values()].sort((a, b) => a.name.localeCompare(b.name));
  $("#stock").replaceChildren(
    ...rows.map((p) =>
      el(
        "tr",
        { class: p.is_low ? "low" : "", dataset: { product: p.id } },
        el("td", {}, p.name, p.is_low ? el("span", { class: "tag bad" }, " ", gettext("low")) : ""),
        el("td", { class: "num" }, quantity(p.on_hand, p.unit)),
        el("td", { class: "num" }, p.minimum === null ? "—" : quantity(p.minimum, p.unit)),
      ),
    ),
  );
  for (const select of document.querySelectorAll(".product-select")) {
    const chosen = select.value;
    select.replaceChildren(...rows.map((p) => el("option", { value: p.id }, `${p.name} (${gettext(p.unit)})`)));
    if (chosen) select.value = chosen;
  }
});

async function loadStock() {
  const rows = await apiAll("/api/stock/products/");
  products.clear();
  for (const row of rows) products.set(row.id, { ...row, movement_id: 0 });
  renderStock();
}

function applyStock(event) {
  const data = event.data;
  if (data.branch_id) return; // a shop branch's balance
  const product = products.get(data.product_id);
  if (event.type === "stock.level_changed") {
    if (!product) return loadStockSoon();
    if (data.movement_id < product.movement_id) return; // older than what we show
    Object.assign(product, { on_hand: data.quantity, minimum: data.minimum, is_low: data.is_low, movement_id: data.movement_id });
  } else if (event.type === "stock.low" || event.type === "stock.recovered") {
    if (product) product.is_low = event.type === "stock.low";
    if (event.type === "stock.low") notify(tf(gettext("%(name)s is below its minimum."), { name: data.name }), "error");
  } else if (event.type === "stock.product_changed") {
    if (data.deleted) products.delete(data.product_id);
    else if (!product) return loadStockSoon();
    else Object.assign(product, { name: data.name, minimum: data.minimum });
  } else if (event.type === "stock.delivery_recorded") {
    refreshCharts();
  }
  renderStock();
}

const loadStockSoon = debounce(loadStock, 300);

async function submitDelivery(event) {
  event.preventDefault();
  const form = event.target;
  const body = {
    delivered_on: isoDate(),
    supplier: form.supplier.value,
    lines: [{ product: Number(form.product.value), quantity: form.quantity.value.replace(",", ".") }],
  };
  await submit(form, () => api("/api/stock/deliveries/", { method: "POST", body, idempotencyKey: newKey() }), gettext("Delivery recorded."));
}

async function submitAdjustment(event) {
  event.preventDefault();
  const form = event.target;
  const value = form.quantity.value.replace(",", ".");
  const body = { product: Number(form.product.value), reason: form.reason.value };
  body[form.reason.value === "count" ? "counted" : "quantity"] = value;
  await submit(form, () => api("/api/stock/adjustments/", { method: "POST", body }), gettext("Adjustment saved."));
}

async function submit(form, send, done) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await send();
    form.quantity.value = "";
    notify(done, "ok");
  } catch (error) {
    notify(explain(error), "error");
  } finally {
    button.disabled = false;
  }
}

// -- report and charts --------------------------------------------------------------------------

async function loadReport() {
  const page = await api("/api/kitchen/reports/", { params: { page_size: 1 } });
  const report = page.results[0];
  const box = $("#report");
  if (!report) {
    box.replaceChildren(el("p", { class: "muted" }, gettext("No report yet this month.")));
    return;
  }
  const item = (label, value) => [el("div", {}, el("dt", {}, label), el("dd", { "aria-label": label }, value))];
  // A report is built by a job, not live: say which month and as of when, so no one reads
  // yesterday's figure as today's.
  $("#report-as-of").textContent = tf(report.complete ? gettext("%(month)s, final (built %(at)s)") : gettext("%(month)s so far, as of %(at)s"), {
    month: String(report.month).slice(0, 7),
    at: dateTime(report.built_at),
  });
  box.replaceChildren(
    ...item(gettext("Served"), integer(report.served)),
    ...item(gettext("Possible"), integer(report.possible)),
    ...item(gettext("Difference"), percent(report.difference_pct)),
    ...item(gettext("Alarm line"), percent(report.threshold_pct)),
  );
  const over = Number(report.difference_pct) > Number(report.threshold_pct);
  $("#report-alarm").replaceChildren(
    el("span", { class: over ? "tag bad" : "tag good" }, over ? gettext("Possible misuse: the difference is over the alarm line.") : gettext("Within the alarm line.")),
  );
}

const refreshCharts = debounce(loadCharts, 3000);

async function loadCharts() {
  const [consumption, deliveries, servings] = await Promise.all([
    api("/api/kitchen/charts/consumption/"),
    api("/api/stock/charts/deliveries/"),
    api("/api/kitchen/charts/servings/"),
  ]);
  const byProduct = (chart) =>
    chart.series.map((s) => ({ label: `${s.name} (${gettext(s.unit)})`, points: s.points.map((p) => ({ date: p.date, value: Number(p.quantity) })) }));
  drawDaily("chart-consumption", byProduct(consumption));
  drawDaily("chart-deliveries", byProduct(deliveries), { type: "bar", stacked: true });
  drawDaily("chart-servings", servings.series.map((s) => ({ label: s.name, points: s.points.map((p) => ({ date: p.date, value: p.portions })) })), { type: "bar", stacked: true });
}

boot(async () => {
  const analytics = can("analytics.view");
  live.subscribe("kitchen", {
    load: async () => {
      await loadPortions();
      if (analytics) await Promise.all([loadReport(), loadCharts()]);
    },
    apply: applyKitchen,
  });
  if (can("stock.view")) {
    $("#stock-card").hidden = false;
    live.subscribe("stock", { load: loadStock, apply: applyStock });
  }
  if (can("stock.manage")) {
    $("#delivery-card").hidden = false;
    $("#delivery").addEventListener("submit", submitDelivery);
    $("#adjustment").addEventListener("submit", submitAdjustment);
  }
  $("#report-card").hidden = !analytics;
  $("#charts-card").hidden = !analytics;
});
