// Alarms from every domain, live, newest first, with acknowledge.
import { $, api, apiAll, boot, can, dateTime, el, explain, live, notify, perFrame, gettext } from "../../console/app.js";

const alarms = new Map();

const render = perFrame(() => {
  const rows = [...alarms.values()].sort((a, b) => b.id - a.id);
  $("#alarms").replaceChildren(
    ...rows.map((alarm) => {
      const open = !alarm.acknowledged_at;
      const ack = open && can("alarms.acknowledge") ? el("button", { type: "button", "aria-label": `${gettext("Acknowledge")}: ${alarm.subject}` }, gettext("Acknowledge")) : null;
      ack?.addEventListener("click", () => acknowledge(alarm, ack));
      return el(
        "li",
        { dataset: { alarm: alarm.id, open: String(open) } },
        el("span", { class: `tag ${open ? "bad" : ""}` }, open ? gettext("open") : gettext("acknowledged")),
        " ",
        el("strong", {}, `${alarm.kind_label} · ${alarm.subject}`),
        el("div", {}, alarm.message),
        el("div", { class: "muted" }, dateTime(alarm.raised_at), open ? "" : ` · ${gettext("acknowledged")} ${dateTime(alarm.acknowledged_at)}`, alarm.cleared_at ? ` · ${gettext("over since")} ${dateTime(alarm.cleared_at)}` : ""),
        ack,
      );
    }),
  );
  if (!rows.length) $("#alarms").append(el("li", { class: "muted" }, gettext("No alarms.")));
});

async function load() {
  alarms.clear();
  for (const row of await apiAll("/api/alarms/", {}, 200)) alarms.set(row.id, row);
  render();
}

async function acknowledge(alarm, button) {
  button.disabled = true;
  try {
    alarms.set(alarm.id, await api(`/api/alarms/${alarm.id}/acknowledge/`, { method: "POST", body: {} }));
    render();
  } catch (error) {
    notify(explain(error), "error");
    button.disabled = false;
  }
}

function apply(event) {
  const id = event.data.alarm_id ?? event.data.id;
  if (!id) return load();
  api(`/api/alarms/${id}/`).then((row) => {
    if (!alarms.has(row.id) && !row.acknowledged_at && !row.cleared_at) notify(`${gettext("New alarm")}: ${row.message}`, "error");
    alarms.set(row.id, row);
    render();
  }, () => {});
}

boot(async () => live.subscribe("alarms", { load, apply }));
