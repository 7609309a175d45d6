// The agent's phone page: today's visits with check-in and check-out, and, while open, the
// phone's position sent over the socket. Points wait in a buffer (kept across reloads) until
// the server acknowledges them, so going offline loses nothing.
import { $, api, apiAll, boot, dateTime, el, explain, integer, live, me, newKey, notify, perFrame, gettext, tf, time } from "../../console/app.js";
import { VERIFICATION, todayBounds, verificationTag, visitState, visitStateTag } from "../field.js";

const BUFFER_KEY = "oqim.agent.points";
const MAX_BUFFER = 5000;
const BATCH = 100;
let buffer = readBuffer();
let lastFix = null;
let sending = false;
const visits = new Map();

function readBuffer() {
  try {
    return JSON.parse(localStorage.getItem(BUFFER_KEY) || "[]");
  } catch {
    return [];
  }
}

function saveBuffer() {
  try {
    localStorage.setItem(BUFFER_KEY, JSON.stringify(buffer)); // positions only: no credentials
  } catch {
    // storage full or disabled: the in-memory buffer still holds them while the page is open
  }
  $("#gps-buffer").textContent = integer(buffer.length);
}

function onFix(position) {
  const c = position.coords;
  lastFix = { lat: c.latitude, lon: c.longitude, accuracy: c.accuracy ?? null };
  buffer.push({
    id: newKey(),
    recorded_at: new Date(position.timestamp || Date.now()).toISOString(),
    lat: c.latitude,
    lon: c.longitude,
    accuracy: c.accuracy ?? null,
    speed: c.speed ?? null,
    heading: Number.isFinite(c.heading) ? c.heading : null,
  });
  if (buffer.length > MAX_BUFFER) buffer.splice(0, buffer.length - MAX_BUFFER);
  saveBuffer();
  $("#gps-state").textContent = tf(gettext("Sharing location (±%(m)s m)"), { m: integer(Math.round(c.accuracy ?? 0)) });
  flush();
}

async function flush() {
  if (sending || !buffer.length || live.state !== "live") return;
  sending = true;
  try {
    while (buffer.length && live.state === "live") {
      const batch = buffer.slice(0, BATCH);
      try {
        await live.request({ type: "location", points: batch });
        $("#gps-sent").textContent = time(batch.at(-1).recorded_at);
      } catch (error) {
        if (error.code === "invalid_location") {
          // Drop only the point named in `fields` (points.3.lat); the rest go again.
          const index = Number(Object.keys(error.frame?.fields || {})[0]?.split(".")[1]);
          const bad = new Set(Number.isInteger(index) && batch[index] ? [batch[index].id] : batch.map((p) => p.id));
          buffer = buffer.filter((p) => !bad.has(p.id));
          saveBuffer();
          continue;
        }
        const wait = error.frame?.retry_after_ms ?? 2000;
        setTimeout(flush, wait);
        return;
      }
      const sent = new Set(batch.map((p) => p.id));
      buffer = buffer.filter((p) => !sent.has(p.id));
      saveBuffer();
    }
  } finally {
    sending = false;
  }
}

function startGps() {
  if (!navigator.geolocation) {
    $("#gps-state").textContent = gettext("This browser cannot share its location.");
    return;
  }
  navigator.geolocation.watchPosition(onFix, (error) => {
    $("#gps-state").textContent = error.code === 1 ? gettext("Location permission is denied: allow it for this site.") : gettext("No location fix yet.");
  }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
}

// -- today's route: the agent's day, first on the page ------------------------------------------
// A planned visit offers Check in; the open one (in_progress) its checklist, the outcome, a note
// and Check out; a finished one what was recorded. Each step's answer is saved as it is given.

let steps = [];
let outcomes = [];

const render = perFrame(() => {
  const rows = [...visits.values()].sort((a, b) => a.planned_at.localeCompare(b.planned_at));
  const open = document.activeElement?.closest?.("[data-visit]");
  if (open && open.dataset.state === "in_progress" && rows.some((v) => String(v.id) === open.dataset.visit && v.state === "in_progress")) {
    // Someone is typing into the open visit: redraw the others only, never under their fingers.
    for (const node of [...$("#route").children]) if (node !== open) node.replaceWith(visitItem(visits.get(Number(node.dataset.visit))));
  } else {
    $("#route").replaceChildren(...rows.map(visitItem));
  }
  if (!rows.length) $("#route").append(el("li", { class: "muted" }, gettext("No visits planned today.")));
  const done = rows.filter((v) => v.state === "completed").length;
  $("#route-summary").textContent = rows.length ? tf(gettext("%(done)s of %(all)s visits done"), { done: integer(done), all: integer(rows.length) }) : "";
});

function visitItem(visit) {
  if (!visit) return el("li");
  const verification = visit.checkin_verification;
  const head = el(
    "div",
    { class: "route-head" },
    el("strong", {}, visit.client_name),
    el("span", { class: `tag ${visitStateTag(visit.state)}` }, visitState(visit.state)),
    verification ? el("span", { class: `tag ${verificationTag(verification)}` }, VERIFICATION[verification]?.() ?? verification) : null,
  );
  const when = el("div", { class: "muted" }, [time(visit.planned_at).slice(0, 5), visit.type_name, visit.priority_name].filter(Boolean).join(" · "));
  const item = el("li", { class: "route-item", dataset: { visit: visit.id, state: visit.state }, "aria-label": visit.client_name }, head, when);
  if (visit.state === "planned") item.append(el("div", { class: "actions" }, checkIn(visit)));
  if (visit.state === "in_progress") item.append(openVisit(visit));
  if (visit.state === "completed") {
    const outcome = visit.status_name ? ` · ${visit.status_name}` : "";
    item.append(el("div", {}, tf(gettext("Checked out at %(at)s"), { at: time(visit.checkout_at).slice(0, 5) }) + outcome));
  }
  showProblem(item, visit.id);
  return item;
}

// A refusal stays with its visit until it is resolved, through the redraws that live events
// cause (one may land between a tap and its answer): visit id -> its words and missing steps.
const problems = new Map();

function problem(visitId, message, missing = []) {
  problems.set(visitId, { message, missing });
  const item = document.querySelector(`#route [data-visit="${visitId}"]`);
  if (item) showProblem(item, visitId)?.scrollIntoView({ block: "nearest" });
}

function showProblem(item, visitId) {
  const found = problems.get(visitId);
  if (!found) return null;
  for (const node of item.querySelectorAll("[data-step]")) node.classList.toggle("missing", found.missing.includes(Number(node.dataset.step)));
  const line = item.querySelector(".problem") ?? item.appendChild(el("p", { class: "problem error", role: "alert" }));
  line.textContent = found.message;
  return line;
}

function answered(visitId, stepId) {
  const found = problems.get(visitId);
  if (!found) return;
  found.missing = found.missing.filter((id) => id !== stepId);
  const item = document.querySelector(`#route [data-visit="${visitId}"]`);
  item?.querySelector(`[data-step="${stepId}"]`)?.classList.remove("missing");
  if (!found.missing.length) {
    problems.delete(visitId);
    item?.querySelector(".problem")?.remove();
  }
}

function checkIn(visit) {
  const label = gettext("Check in");
  const node = el("button", { type: "button", class: "primary", "aria-label": `${label}: ${visit.client_name}` }, label);
  node.addEventListener("click", async () => {
    node.disabled = true;
    try {
      const row = await api(`/api/visits/${visit.id}/check-in/`, { method: "POST", body: lastFix ?? {} });
      visits.set(row.id, row);
      problems.clear(); // checked in: what stood in the way has gone
      render();
      notify(tf(gettext("Checked in: %(client)s"), { client: visit.client_name }), "ok");
    } catch (error) {
      node.disabled = false;
      const open = error.body?.open_visit;
      const other = open && visits.get(open);
      problem(visit.id, other ? tf(gettext("Check out of %(client)s first."), { client: other.client_name }) : explain(error));
    }
  });
  return node;
}

function stepField(visit, step, answers) {
  const name = step.required ? tf(gettext("%(step)s (required)"), { step: step.name }) : step.name;
  const saved = el("span", { class: "saved muted", "aria-live": "polite" });
  let input;
  if (step.kind === "check") {
    input = el("input", { type: "checkbox", name: `step-${step.id}` });
    input.checked = answers.get(step.id) === true;
  } else if (step.kind === "number") {
    input = el("input", { type: "number", inputmode: "decimal", step: "any", name: `step-${step.id}` });
    if (answers.has(step.id)) input.value = answers.get(step.id);
  } else {
    input = el("textarea", { rows: 2, maxlength: 2000, name: `step-${step.id}` });
    if (answers.has(step.id)) input.value = answers.get(step.id);
  }
  input.addEventListener("change", async () => {
    const value = step.kind === "check" ? input.checked : input.value.trim();
    if (value === "") return;
    saved.textContent = gettext("Saving…");
    try {
      const result = await api(`/api/visits/${visit.id}/results/`, { method: "POST", body: { step: step.id, value: step.kind === "number" ? Number(value) : value } });
      const row = visits.get(visit.id);
      row.results = [...row.results.filter((r) => r.step !== step.id), result];
      saved.textContent = gettext("Saved");
      answered(visit.id, step.id);
    } catch (error) {
      saved.textContent = "";
      problem(visit.id, `${step.name}: ${explain(error)}`, problems.get(visit.id)?.missing);
    }
  });
  const field = step.kind === "check" ? el("label", { class: "check" }, input, name) : el("label", {}, name, input);
  return el("div", { class: "step", dataset: { step: step.id } }, field, saved);
}

function openVisit(visit) {
  const answers = new Map(visit.results.map((r) => [r.step, r.value]));
  const outcome = el("select", { name: "status" }, el("option", { value: "" }, "—"), ...outcomes.map((o) => el("option", { value: o.id }, o.name)));
  if (visit.status) outcome.value = visit.status;
  const note = el("textarea", { name: "note", rows: 2, maxlength: 1000 });
  note.value = visit.note ?? "";
  const label = gettext("Check out");
  const out = el("button", { type: "submit", class: "primary", "aria-label": `${label}: ${visit.client_name}` }, label);
  const form = el(
    "form",
    { class: "stack visit-open" },
    steps.length ? el("fieldset", {}, el("legend", {}, gettext("Checklist")), ...steps.map((step) => stepField(visit, step, answers))) : null,
    el("label", {}, gettext("Outcome"), outcome),
    el("label", {}, gettext("Note"), note),
    el("div", { class: "actions" }, out),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    out.disabled = true;
    const body = { ...(lastFix ?? {}), note: note.value };
    if (outcome.value) body.status = Number(outcome.value);
    try {
      const row = await api(`/api/visits/${visit.id}/check-out/`, { method: "POST", body });
      visits.set(row.id, row);
      problems.clear();
      render();
      notify(tf(gettext("Checked out: %(client)s"), { client: visit.client_name }), "ok");
    } catch (error) {
      out.disabled = false;
      const missing = error.body?.steps ?? [];
      const names = steps.filter((s) => missing.includes(s.id)).map((s) => s.name);
      problem(visit.id, names.length ? tf(gettext("Answer first: %(steps)s."), { steps: names.join(", ") }) : explain(error), missing);
    }
  });
  return form;
}

async function loadVisits() {
  const who = await me();
  [steps, outcomes] = await Promise.all([
    apiAll("/api/visits/steps/").catch(() => []),
    apiAll("/api/references/", { kind: "visit_status" }).catch(() => []),
  ]);
  visits.clear();
  for (const row of await apiAll("/api/visits/", { ...todayBounds(), agent: who.user.id })) visits.set(row.id, row);
  render();
}

// -- tracker apps: a token per app, shown once, with the URLs to paste

async function loadDevices() {
  const rows = await apiAll("/api/locations/devices/", {}, 50);
  $("#devices").replaceChildren(
    ...rows.map((d) => {
      const item = el("li", { dataset: { device: d.id } }, `${d.name} · …${d.token_hint}`, " ", el("small", { class: "muted" }, d.revoked_at ? gettext("revoked") : d.last_used_at ? tf(gettext("last used %(at)s"), { at: dateTime(d.last_used_at) }) : gettext("not used yet")));
      if (!d.revoked_at) {
        const revoke = el("button", { type: "button", "aria-label": tf(gettext("Revoke %(name)s"), { name: d.name }) }, gettext("Revoke"));
        revoke.addEventListener("click", () => api(`/api/locations/devices/${d.id}/`, { method: "DELETE" }).then(loadDevices, (error) => notify(explain(error), "error")));
        item.append(" ", revoke);
      }
      return item;
    }),
  );
}

async function makeDevice(event) {
  event.preventDefault();
  try {
    const made = await api("/api/locations/devices/", { method: "POST", body: { name: event.target.name.value } });
    const base = location.origin;
    $("#device-made").replaceChildren(
      el("dt", {}, gettext("Token (shown this once)")),
      el("dd", {}, el("code", { id: "device-token" }, made.token)),
      el("dt", {}, gettext("Traccar Client, OsmAnd: server URL (the token is the device identifier)")),
      el("dd", {}, el("code", {}, `${base}/api/trackers/osmand/`)),
      el("dt", {}, gettext("OwnTracks (HTTP): URL")),
      el("dd", {}, el("code", {}, `${base}/api/trackers/owntracks/?token=${made.token}`)),
    );
    $("#device-made").hidden = false;
    event.target.reset();
    await loadDevices();
  } catch (error) {
    notify(explain(error), "error");
  }
}

boot(async () => {
  saveBuffer();
  $("#device").addEventListener("submit", makeDevice);
  loadDevices().catch(() => {});
  live.subscribe("visits", {
    load: loadVisits,
    apply: (event) => api(`/api/visits/${event.data.visit_id}/`).then((row) => (visits.set(row.id, row), render()), () => {}),
  });
  live.addEventListener("welcome", () => flush());
  startGps();
});
