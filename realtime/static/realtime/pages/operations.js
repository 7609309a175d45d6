// Operations for admins: sockets, outbox lag, streams, queues, workers, scheduler, readiness.
import { $, api, boot, el, integer, gettext } from "../../console/app.js";

const item = (label, value) => el("div", {}, el("dt", {}, label), el("dd", { "aria-label": label }, value));

async function refresh() {
  const [status, ready] = await Promise.all([api("/api/realtime/status/"), fetch("/ready/").then((r) => r.json()).catch(() => ({ status: "unreachable", checks: {} }))]);
  const bg = status.background;
  $("#sockets").replaceChildren(
    item(gettext("Sockets"), integer(status.connections)),
    item(gettext("Outbox pending"), integer(status.outbox_pending)),
    item(gettext("Oldest pending (s)"), String(status.outbox_oldest_age_seconds)),
  );
  $("#topics").replaceChildren(...status.topics.map((s) => el("tr", {}, el("td", {}, el("code", {}, s.topic)), el("td", { class: "num" }, integer(s.length)), el("td", { class: "num" }, integer(s.subscriptions)))));
  $("#background").replaceChildren(
    item(gettext("Mode"), bg.mode === "embedded" ? gettext("embedded (in-process)") : gettext("services")),
    item(gettext("Workers"), bg.workers === null ? gettext("in-process") : integer(bg.workers)),
    item(gettext("Scheduler leader"), bg.mode === "embedded" ? gettext("in-process") : bg.scheduler_leader_ttl_ms === null ? gettext("none") : gettext("held")),
    item(gettext("Jobs not yet queued"), integer(bg.jobs_pending)),
  );
  $("#queues").replaceChildren(...bg.queues.map((q) => el("tr", {}, el("td", {}, el("code", {}, q.name)), el("td", { class: "num" }, integer(q.messages)), el("td", { class: "num" }, integer(q.delayed)))));
  const READY = { ready: () => gettext("ready"), unavailable: () => gettext("unavailable"), unreachable: () => gettext("unreachable") };
  const CHECK = { database: () => gettext("Database"), redis: () => gettext("Redis"), broker: () => gettext("Job broker") };
  const VALUE = { ok: () => gettext("ok"), embedded: () => gettext("embedded (in-process)"), down: () => gettext("down") };
  $("#ready").replaceChildren(
    item(gettext("Status"), READY[ready.status]?.() ?? ready.status),
    ...Object.entries(ready.checks || {}).map(([name, value]) => item(CHECK[name]?.() ?? name, VALUE[value]?.() ?? String(value))),
  );
}

boot(async () => {
  await refresh();
  setInterval(() => refresh().catch(() => {}), 5000);
});
