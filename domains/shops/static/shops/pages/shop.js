// A branch live: today's revenue and sales, the sales feed, the branch's stock.
import { $, api, apiAll, boot, el, integer, isoDate, live, money, perFrame, quantity, gettext, time } from "../../console/app.js";
import { branchPicker } from "../shops.js";

let branch = null;
const sales = new Map(); // today's sales of the branch
const stock = new Map();
const today = { revenue: null, currency: "UZS", lastSale: 0 };

const render = perFrame(() => {
  const rows = [...sales.values()].sort((a, b) => b.id - a.id).slice(0, 100);
  $("#feed").replaceChildren(
    ...rows.map((s) => el("li", { dataset: { sale: s.id } }, el("strong", {}, money(s.total, s.currency)), ` · ${time(s.created_at)} · ${s.cashier_name ?? ""}`, Number(s.refunded_total) > 0 ? el("span", { class: "tag warn" }, ` ${gettext("returned")} ${money(s.refunded_total, s.currency)}`) : null)),
  );
  $("#sales-count").textContent = integer(sales.size);
  $("#revenue").textContent = today.revenue === null ? "—" : money(today.revenue, today.currency);
  const products = [...stock.values()].sort((a, b) => a.product_name.localeCompare(b.product_name));
  $("#bstock").replaceChildren(
    ...products.map((p) => el("tr", { class: p.is_low ? "low" : "", dataset: { product: p.product } }, el("td", {}, p.product_name, p.is_low ? el("span", { class: "tag bad" }, ` ${gettext("low")}`) : ""), el("td", { class: "num" }, quantity(p.on_hand, p.unit)))),
  );
});

async function loadSales() {
  if (branch === null) return;
  sales.clear();
  const rows = await apiAll("/api/shops/sales/", { branch, day_from: isoDate(), day_to: isoDate() }, 500);
  for (const row of rows) if (row.business_day === isoDate()) sales.set(row.id, row);
  const summary = await api("/api/shops/reports/summary/", { params: { start: isoDate(), end: isoDate(), branch } });
  const day = summary.days.find((d) => d.branch_id === branch && d.day === isoDate());
  today.revenue = day ? day.revenue : "0";
  today.currency = day?.currency ?? "UZS";
  render();
}

async function loadStock() {
  if (branch === null) return;
  stock.clear();
  for (const row of await apiAll(`/api/shops/branches/${branch}/stock/`)) stock.set(row.product, row);
  render();
}

function applySale(event) {
  const data = event.data;
  if (data.branch_id !== branch) return;
  if (event.type === "sale.recorded") {
    sales.set(data.sale_id, { id: data.sale_id, total: data.total, currency: data.currency, created_at: data.created_at, refunded_total: "0" });
    if (data.sale_id > today.lastSale) Object.assign(today, { revenue: data.branch_day_revenue, currency: data.currency, lastSale: data.sale_id });
    render();
  } else {
    api(`/api/shops/sales/${data.sale_id}/`).then((row) => (sales.set(row.id, row), render()), () => {});
  }
}

function applyStock(event) {
  const data = event.data;
  if (event.type !== "stock.level_changed" || data.branch_id !== branch) return;
  const row = stock.get(data.product_id) ?? { product: data.product_id, product_name: data.name, unit: data.unit };
  Object.assign(row, { on_hand: data.quantity, is_low: data.is_low });
  stock.set(data.product_id, row);
  render();
}

boot(async () => {
  branch = await branchPicker("branch", (id) => {
    branch = id;
    loadSales();
    loadStock();
  });
  live.subscribe("sales", { load: loadSales, apply: applySale });
  live.subscribe("stock", { load: loadStock, apply: applyStock });
});
