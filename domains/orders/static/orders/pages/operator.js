// The orders desk: orders not completed, their timeline, retry and cancel, provider health.
import { $, api, apiAll, boot, dateTime, el, explain, integer, live, notify, perFrame, gettext } from "../../console/app.js";
import { OrderStore, STATUS_TAG, statusName } from "../orders.js";

const OPEN = ["created", "dispatched", "processing", "failed"];
// A timeline step's kind and the provider's outcome, as the desk reads them.
const STEP = {
  dispatch: () => gettext("sent to the provider"),
  check: () => gettext("status check"),
  webhook: () => gettext("provider's notice"),
  retry: () => gettext("retried by hand"),
  cancel: () => gettext("cancelled by hand"),
  timeout: () => gettext("deadline passed"),
};
const OUTCOME = {
  accepted: () => gettext("accepted"),
  processing: () => gettext("still processing"),
  completed: () => gettext("completed"),
  failed: () => gettext("failed"),
  rejected: () => gettext("rejected"),
  error: () => gettext("provider error"),
  ignored: () => gettext("ignored: the order was already settled"),
  done: () => gettext("done"),
};
const store = new OrderStore(perFrame(render));

function age(from) {
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(from)) / 60000));
  return minutes < 60 ? `${integer(minutes)} ${gettext("min")}` : `${integer(minutes / 60)} ${gettext("h")}`;
}

function action(label, order, path, enabled) {
  const button = el("button", { type: "button", disabled: !enabled, "aria-label": `${label} #${order.id}` }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api(`/api/orders/${order.id}/${path}/`, { method: "POST", body: {} });
      notify(`${label} #${order.id}: ${gettext("done")}`, "ok");
    } catch (error) {
      notify(explain(error), "error");
      button.disabled = false;
    }
  });
  return button;
}

function render() {
  const rows = [...store.orders.values()].filter((o) => OPEN.includes(o.status)).sort((a, b) => a.id - b.id);
  $("#stuck").replaceChildren(
    ...rows.map((order) => {
      const show = el("button", { type: "button", "aria-label": `${gettext("Timeline")} #${order.id}` }, gettext("Timeline"));
      show.addEventListener("click", () => showTimeline(order));
      return el(
        "tr",
        { dataset: { order: order.id } },
        el("td", {}, String(order.id)),
        el("td", {}, `${order.product_name} · ${order.package_name}`),
        el("td", {}, order.account),
        el("td", {}, el("span", { class: `tag ${STATUS_TAG[order.status]}` }, statusName(order.status)), order.failure_message ? el("div", { class: "error" }, order.failure_message) : null),
        el("td", {}, age(order.created_at)),
        el("td", {}, show, " ", action(gettext("Retry"), order, "retry", order.status === "failed"), " ", action(gettext("Cancel"), order, "cancel", order.status !== "failed")),
      );
    }),
  );
  if (!rows.length) $("#stuck").append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, gettext("Nothing is stuck."))));
}

async function showTimeline(order) {
  const steps = await api(`/api/orders/${order.id}/timeline/`);
  $("#timeline-h").textContent = `${gettext("Timeline")} #${order.id}`;
  $("#timeline").replaceChildren(
    ...steps.map((step) =>
      el("li", {}, el("strong", {}, STEP[step.kind]?.() ?? step.kind), ` ${dateTime(step.at)} · ${OUTCOME[step.outcome]?.() ?? step.outcome}`, step.status_after ? ` → ${statusName(step.status_after)}` : "", step.message ? el("div", { class: "muted" }, step.message) : null),
    ),
  );
}

async function loadProviders() {
  const providers = await apiAll("/api/orders/providers/");
  $("#providers").replaceChildren(
    ...providers.map((p) =>
      el("tr", {}, el("td", {}, p.name), el("td", { class: p.consecutive_errors ? "num low" : "num" }, integer(p.consecutive_errors)), el("td", {}, dateTime(p.failing_since)), el("td", { class: "num" }, integer(p.failovers))),
    ),
  );
}

boot(async () => {
  const load = () => Promise.all([store.load({ status: OPEN }), loadProviders()]);
  live.subscribe("orders", { load, apply: (event) => store.apply(event) || store.reloadSoon({ status: OPEN }) });
  setInterval(() => loadProviders().catch(() => {}), 30000);
});
