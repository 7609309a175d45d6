// Webhooks for admins: endpoints (the signing secret shown once), pause and resume, a new
// secret, and the delivery log with each delivery's last answer and Replay.
import { $, api, apiAll, boot, dateTime, el, explain, gettext, integer, lang, notify, tf } from "../../console/app.js";

let titles = {}; // event type -> its name in the page's language
const STATE = {
  active: () => gettext("active"),
  paused: () => gettext("paused"),
  disabled: () => gettext("disabled (410)"),
  pending: () => gettext("waiting"),
  delivered: () => gettext("delivered"),
  failed: () => gettext("failed"),
};
const tone = (state) => (["active", "delivered"].includes(state) ? "good" : ["failed", "disabled"].includes(state) ? "bad" : "warn");
let endpoints = [];

function button(label, name, run) {
  const b = el("button", { type: "button", "aria-label": `${label}: ${name}` }, label);
  b.addEventListener("click", async () => {
    b.disabled = true;
    try {
      await run();
      await load();
    } catch (error) {
      notify(explain(error), "error");
      b.disabled = false;
    }
  });
  return b;
}

function showSecret(url, secret) {
  const p = $("#secret-shown");
  p.replaceChildren(tf(gettext("Signing secret for %(url)s (shown once):"), { url }), " ", el("code", {}, secret));
  p.hidden = false;
}

function renderEndpoints() {
  $("#endpoints").replaceChildren(
    ...endpoints.map((e) => {
      const toggle = e.state === "active"
        ? button(gettext("Pause"), e.url, () => api(`/api/webhooks/endpoints/${e.id}/`, { method: "PATCH", body: { state: "paused" } }))
        : button(gettext("Resume"), e.url, () => api(`/api/webhooks/endpoints/${e.id}/`, { method: "PATCH", body: { state: "active" } }));
      const rotate = button(gettext("New secret"), e.url, async () => showSecret(e.url, (await api(`/api/webhooks/endpoints/${e.id}/rotate-secret/`, { method: "POST" })).secret));
      return el(
        "tr",
        { dataset: { endpoint: e.id, state: e.state } },
        el("td", {}, e.url, e.description ? el("div", { class: "muted" }, e.description) : ""),
        el("td", {}, e.event_types.map((type) => titles[type] ?? type).join(", ")),
        el("td", {}, el("span", { class: `tag ${tone(e.state)}` }, STATE[e.state]?.() ?? e.state), e.state_reason ? el("div", { class: "muted" }, e.state_reason) : ""),
        el("td", {}, toggle, " ", rotate),
      );
    }),
  );
}

async function renderDeliveries() {
  const rows = await apiAll("/api/webhooks/deliveries/", {}, 50);
  const url = Object.fromEntries(endpoints.map((e) => [e.id, e.url]));
  $("#deliveries").replaceChildren(
    ...rows.map((d) => {
      const last = d.attempt_log.at(-1);
      const answer = last ? `${last.status_code ?? last.error} · ${integer(last.latency_ms)} ms · ${dateTime(last.started_at)}` : d.state === "pending" ? tf(gettext("next at %(at)s"), { at: dateTime(d.next_attempt_at) }) : "—";
      return el(
        "tr",
        { dataset: { delivery: d.id, state: d.state } },
        el("td", {}, titles[d.event_type] ?? d.event_type, el("div", { class: "muted" }, dateTime(d.occurred_at))),
        el("td", {}, url[d.endpoint] ?? `#${d.endpoint}`),
        el("td", {}, el("span", { class: `tag ${tone(d.state)}` }, STATE[d.state]?.() ?? d.state)),
        el("td", { class: "num" }, integer(d.attempts)),
        el("td", {}, answer),
        el("td", {}, button(gettext("Replay"), titles[d.event_type] ?? d.event_type, () => api(`/api/webhooks/deliveries/${d.id}/replay/`, { method: "POST" }))),
      );
    }),
  );
}

async function load() {
  endpoints = await apiAll("/api/webhooks/endpoints/", {}, 200);
  renderEndpoints();
  await renderDeliveries();
}

async function add(event) {
  event.preventDefault();
  const f = event.target;
  const body = {
    url: f.url.value,
    description: f.description.value,
    event_types: [...f.event_types.selectedOptions].map((o) => o.value),
    with_secrets: f.with_secrets.checked,
  };
  try {
    const made = await api("/api/webhooks/endpoints/", { method: "POST", body });
    f.reset();
    showSecret(made.url, made.secret);
    await load();
  } catch (error) {
    notify(explain(error), "error");
  }
}

boot(async () => {
  const types = await api("/api/webhooks/event-types/");
  // The catalogue's descriptions are integrators' English (docs/asyncapi.yaml): shown only in English.
  titles = Object.fromEntries(types.map((t) => [t.name, t.title]));
  $("#types").replaceChildren(...types.map((t) => el("option", { value: t.name, title: lang === "en" ? t.description : undefined }, t.title)));
  $("#endpoint").addEventListener("submit", add);
  await load();
  setInterval(() => renderDeliveries().catch(() => {}), 5000);
});
