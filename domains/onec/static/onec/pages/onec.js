// The admin's 1C page: the connection (two URLs, sealed password), a test per URL, exchanges
// now or in full, the live progress of the running one, the journal, and the documents sent
// to 1C (agents' orders, finished visits).
import { $, api, apiAll, boot, dateTime, el, explain, formData, integer, live, notify, perFrame, gettext, tf } from "../../console/app.js";

const journal = new Map();
const documents = new Map();
const KIND = { customer_order: () => gettext("Order"), visit: () => gettext("Visit") };
const DOCUMENT_STATUS = { pending: () => gettext("waiting for 1C"), sent: () => gettext("in 1C"), failed: () => gettext("failed") };
let connection = null;
const STATUS = { running: () => gettext("running"), succeeded: () => gettext("succeeded"), failed: () => gettext("failed") };
const fact = (label, value) => [el("dt", {}, label), el("dd", {}, value)];
const COUNTED = {
  agents: () => gettext("agents"),
  groups: () => gettext("groups"),
  price_types: () => gettext("price types"),
  warehouses: () => gettext("warehouses"),
  products: () => gettext("products"),
  barcodes: () => gettext("barcodes"),
  images: () => gettext("pictures"),
  prices: () => gettext("prices"),
  stock: () => gettext("stock levels"),
  clients: () => gettext("clients"),
  client_terms: () => gettext("clients' price terms"),
  deleted: () => gettext("deleted"),
};
const TRIGGER = { schedule: () => gettext("on schedule"), manual: () => gettext("asked for"), full: () => gettext("in full") };
const changed = (counts) => Object.entries(counts || {}).map(([kind, n]) => `${COUNTED[kind]?.() ?? kind} ${integer(n)}`).join(", ") || "—";

const renderJournal = perFrame(() => {
  $("#journal").replaceChildren(
    ...[...journal.values()].sort((a, b) => b.id - a.id).map((x) =>
      el(
        "tr",
        { dataset: { exchange: x.id, status: x.status } },
        el("td", {}, dateTime(x.started_at)),
        el("td", {}, TRIGGER[x.trigger]?.() ?? x.trigger),
        el("td", {}, el("span", { class: `tag ${x.status === "succeeded" ? "good" : x.status === "failed" ? "bad" : "warn"}` }, STATUS[x.status]?.() ?? x.status)),
        el("td", { class: "num" }, integer(x.messages)),
        el("td", {}, changed(x.counts)),
        el("td", {}, x.url_used ? new URL(x.url_used).host + (x.failovers ? ` (${tf(gettext("%(n)s failovers"), { n: x.failovers })})` : "") : "—"),
        el("td", {}, x.error || ""),
      ),
    ),
  );
});

const renderDocuments = perFrame(() => {
  $("#documents").replaceChildren(
    ...[...documents.values()].sort((a, b) => b.id - a.id).slice(0, 100).map((x) =>
      el(
        "tr",
        { dataset: { document: x.id, status: x.status } },
        el("td", {}, dateTime(x.created_at)),
        el("td", {}, `${KIND[x.kind]?.() ?? x.kind} `, el("code", {}, x.ident)), // the id 1C knows it by
        el("td", {}, el("span", { class: `tag ${x.status === "sent" ? "good" : x.status === "failed" ? "bad" : "warn"}` }, DOCUMENT_STATUS[x.status]?.() ?? x.status)),
        el("td", { class: "num" }, integer(x.attempts)),
        el("td", {}, x.number || "—"),
        el("td", {}, x.last_error || ""),
      ),
    ),
  );
});

function renderConnection() {
  const f = $("#connection");
  if (connection) {
    for (const name of ["wsdl_url", "failover_url", "username", "interval_minutes"]) f[name].value = connection[name] ?? "";
    f.enabled.checked = connection.enabled;
    f.password.placeholder = connection.has_password ? gettext("unchanged") : gettext("none");
  }
  $("#state").replaceChildren(
    ...(connection
      ? [
          ...fact(gettext("Last message applied"), integer(connection.applied_message)),
          ...fact(gettext("Failovers"), integer(connection.failovers)),
          ...fact(gettext("Failing since"), connection.failing_since ? dateTime(connection.failing_since) : "—"),
          ...fact(gettext("Primary skipped until"), connection.primary_skipped_until ? dateTime(connection.primary_skipped_until) : "—"),
        ]
      : fact(gettext("Status"), gettext("not connected yet"))),
  );
  $("#run").disabled = $("#full").disabled = $("#test").disabled = !connection;
}

async function load() {
  connection = await api("/api/onec/connection/").catch((error) => (error.code === "not_configured" ? null : Promise.reject(error)));
  renderConnection();
  journal.clear();
  for (const row of await apiAll("/api/onec/exchanges/", {}, 50)) journal.set(row.id, row);
  renderJournal();
  documents.clear();
  for (const row of await apiAll("/api/onec/documents/", {}, 100)) documents.set(row.id, row);
  renderDocuments();
}

async function save(event) {
  event.preventDefault();
  const values = formData(event.target);
  const body = { wsdl_url: values.wsdl_url, failover_url: values.failover_url, username: values.username, interval_minutes: Number(values.interval_minutes), enabled: event.target.enabled.checked };
  if (values.password) body.password = values.password;
  try {
    connection = await api("/api/onec/connection/", { method: "PUT", body });
    event.target.password.value = "";
    renderConnection();
    notify(gettext("Connection saved."), "ok");
  } catch (error) {
    notify(explain(error), "error");
  }
}

async function test() {
  try {
    const { results } = await api("/api/onec/connection/test/", { method: "POST" });
    $("#tested").replaceChildren(...Object.entries(results).flatMap(([url, answer]) => fact(new URL(url).host, answer)));
  } catch (error) {
    notify(explain(error), "error");
  }
}

async function run(full) {
  try {
    await api("/api/onec/connection/exchange/", { method: "POST", body: { full } });
    $("#progress").textContent = gettext("Exchange queued…");
  } catch (error) {
    $("#progress").textContent = explain(error); // beside the button that was pressed
    notify(explain(error), "error");
  }
}

function apply(event) {
  const data = event.data;
  if (event.type === "onec.document_changed") {
    api(`/api/onec/documents/${data.document_id}/`).then((row) => (documents.set(row.id, row), renderDocuments()), () => {});
    return;
  }
  if (event.type === "onec.exchange_progress") {
    $("#progress").textContent = tf(gettext("Message %(message)s applied: %(changed)s"), { message: integer(data.message), changed: changed(data.counts) }) + (data.more ? " …" : "");
  } else if (event.type === "onec.exchange_finished") {
    $("#progress").textContent = data.status === "succeeded" ? tf(gettext("Exchange done: %(n)s messages."), { n: integer(data.messages) }) : gettext("Exchange failed");
  }
  api(`/api/onec/exchanges/${data.exchange_id}/`).then((row) => {
    journal.set(row.id, row);
    renderJournal();
    // The event carries the failure as stored; the journal row says it in the reader's language.
    if (event.type === "onec.exchange_finished" && row.error) $("#progress").textContent = `${gettext("Exchange failed")}: ${row.error}`;
  }, () => {});
  if (event.type === "onec.exchange_finished") api("/api/onec/connection/").then((row) => ((connection = row), renderConnection()), () => {});
}

boot(async () => {
  $("#connection").addEventListener("submit", save);
  $("#test").addEventListener("click", test);
  $("#run").addEventListener("click", () => run(false));
  $("#full").addEventListener("click", () => run(true));
  live.subscribe("onec", { load, apply });
});
