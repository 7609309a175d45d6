// Shop reports over a date range: revenue and expenses per day, top products, expenses.
import { $, api, apiAll, boot, debounce, el, explain, isoDate, live, money, newKey, notify, quantity, gettext } from "../../console/app.js";
import { drawDaily } from "../../console/charts.js";
import { branchPicker } from "../shops.js";

const range = () => ({ start: $("#range").start.value, end: $("#range").end.value, branch: Number($("#branch").value) || undefined });

function days(start, end) {
  const out = [];
  for (let d = new Date(`${start}T00:00:00Z`); isoDate(d) <= end && out.length < 400; d = new Date(d.getTime() + 86400000)) out.push(d.toISOString().slice(0, 10));
  return out;
}

async function load() {
  const { start, end, branch } = range();
  const [summary, top, expenses] = await Promise.all([
    api("/api/shops/reports/summary/", { params: { start, end, branch } }),
    api("/api/shops/reports/top-products/", { params: { start, end, branch } }),
    apiAll("/api/shops/expenses/", { spent_from: start, spent_to: end, branch }, 200),
  ]);
  const axis = days(summary.start, summary.end);
  const sum = (field) => axis.map((date) => ({ date, value: summary.days.filter((d) => d.day === date).reduce((total, d) => total + Number(d[field]), 0) }));
  drawDaily("chart-summary", [{ label: gettext("Revenue"), points: sum("revenue") }, { label: gettext("Expenses"), points: sum("expenses") }], { type: "bar" });
  const total = (field) => summary.days.reduce((s, d) => s + Number(d[field]), 0);
  $("#summary").replaceChildren(
    el("div", {}, el("dt", {}, gettext("Revenue")), el("dd", {}, money(total("revenue")))),
    el("div", {}, el("dt", {}, gettext("Expenses")), el("dd", {}, money(total("expenses")))),
    el("div", {}, el("dt", {}, gettext("Gross margin")), el("dd", {}, money(total("gross_margin")))),
  );
  $("#top").replaceChildren(...top.products.slice(0, 20).map((p) => el("tr", {}, el("td", {}, p.name), el("td", { class: "num" }, quantity(p.quantity, p.unit)), el("td", { class: "num" }, money(p.revenue, p.currency)))));
  $("#expenses").replaceChildren(...expenses.map((e) => el("li", {}, el("strong", {}, money(e.amount, e.currency)), ` · ${e.category_name} · ${e.spent_on} · ${e.branch_name}`, e.note ? el("div", { class: "muted" }, e.note) : null)));
}

async function addExpense(event) {
  event.preventDefault();
  const form = event.target;
  try {
    await api("/api/shops/expenses/", {
      method: "POST",
      idempotencyKey: newKey(),
      body: { branch: Number($("#branch").value), category: Number(form.category.value), amount: form.amount.value.replace(",", "."), currency: "UZS", spent_on: isoDate(), note: form.note.value },
    });
    form.amount.value = "";
    notify(gettext("Expense recorded."), "ok");
  } catch (error) {
    notify(explain(error), "error");
  }
}

boot(async () => {
  const form = $("#range");
  form.end.value = isoDate();
  form.start.value = isoDate(new Date(Date.now() - 29 * 86400000));
  await branchPicker("branch", () => load());
  const categories = await apiAll("/api/shops/expense-categories/");
  $("#categories").replaceChildren(...categories.map((c) => el("option", { value: c.id }, c.name)));
  form.addEventListener("submit", (event) => (event.preventDefault(), load().catch((e) => notify(explain(e), "error"))));
  $("#expense").addEventListener("submit", addExpense);
  live.subscribe("sales", { load, apply: debounce(load, 2000) });
});
