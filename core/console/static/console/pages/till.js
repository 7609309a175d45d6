// The cashier's till: build a sale from the branch's stock, record it, return a sale.
import { $, api, apiAll, boot, el, explain, formData, isoDate, live, money, newKey, notify, perFrame, quantity, gettext, time } from "../app.js";
import { branchPicker } from "../shops.js";

let branch = null;
const stock = new Map();
const cart = [];
const recent = new Map();

const render = perFrame(() => {
  $("#cart").replaceChildren(
    ...cart.map((line, index) => {
      const remove = el("button", { type: "button", "aria-label": `${gettext("Remove")} ${line.name}` }, "×");
      remove.addEventListener("click", () => (cart.splice(index, 1), render()));
      return el("tr", {}, el("td", {}, line.name), el("td", { class: "num" }, quantity(line.quantity, line.unit)), el("td", {}, remove));
    }),
  );
  $("#recent").replaceChildren(
    ...[...recent.values()].sort((a, b) => b.id - a.id).map((sale) => {
      const left = Number(sale.total) - Number(sale.refunded_total);
      const back = el("button", { type: "button", disabled: left <= 0, "aria-label": `${gettext("Return")} #${sale.id}` }, gettext("Return"));
      back.addEventListener("click", () => returnSale(sale, back));
      return el("li", { dataset: { sale: sale.id } }, el("strong", {}, `#${sale.id} ${money(sale.total, sale.currency)}`), ` · ${time(sale.created_at)} `, Number(sale.refunded_total) > 0 ? el("span", { class: "tag warn" }, `${gettext("returned")} ${money(sale.refunded_total, sale.currency)}`) : null, " ", back);
    }),
  );
});

async function load() {
  if (branch === null) return;
  stock.clear();
  for (const row of await apiAll(`/api/shops/branches/${branch}/stock/`)) stock.set(row.product, row);
  $("#products").replaceChildren(...[...stock.values()].map((p) => el("option", { value: p.product }, `${p.product_name} (${quantity(p.on_hand, p.unit)})`)));
  recent.clear();
  for (const row of await apiAll("/api/shops/sales/", { branch, day_from: isoDate(), day_to: isoDate() }, 200)) recent.set(row.id, row);
  render();
}

function add(event) {
  event.preventDefault();
  const { product, quantity: amount } = formData(event.target);
  const row = stock.get(Number(product));
  if (!row) return;
  cart.push({ product: row.product, name: row.product_name, unit: row.unit, quantity: amount.replace(",", ".") });
  render();
}

async function checkout(event) {
  event.preventDefault();
  if (!cart.length) return notify(gettext("Add a product first."), "error");
  const button = event.target.querySelector("button");
  button.disabled = true;
  try {
    const sale = await api("/api/shops/sales/", {
      method: "POST",
      idempotencyKey: newKey(),
      body: { branch, payment_method: event.target.payment_method.value, lines: cart.map(({ product, quantity: q }) => ({ product, quantity: q })) },
    });
    cart.length = 0;
    recent.set(sale.id, sale);
    render();
    notify(`${gettext("Sale recorded")}: ${money(sale.total, sale.currency)}`, "ok");
  } catch (error) {
    notify(explain(error), "error");
  } finally {
    button.disabled = false;
  }
}

async function returnSale(sale, button) {
  button.disabled = true;
  try {
    await api(`/api/shops/sales/${sale.id}/returns/`, { method: "POST", body: {}, idempotencyKey: newKey() });
    recent.set(sale.id, await api(`/api/shops/sales/${sale.id}/`));
    render();
    notify(`${gettext("Returned")} #${sale.id}`, "ok");
  } catch (error) {
    notify(explain(error), "error");
    button.disabled = false;
  }
}

boot(async () => {
  branch = await branchPicker("branch", (id) => ((branch = id), load()));
  $("#add").addEventListener("submit", add);
  $("#checkout").addEventListener("submit", checkout);
  live.subscribe("sales", {
    load,
    apply: (event) => event.data.branch_id === branch && api(`/api/shops/sales/${event.data.sale_id}/`).then((row) => (recent.set(row.id, row), render()), () => {}),
  });
});
