// The agent's phone page: today's visits with check-in and check-out, and, while open, the
// phone's position sent over the socket. Points wait in a buffer (kept across reloads) until
// the server acknowledges them, so going offline loses nothing.
import { $, api, apiAll, boot, dateTime, el, explain, integer, live, me, newKey, notify, perFrame, gettext, tf, time } from "../app.js";
import { VERIFICATION, todayBounds, verificationTag } from "../field.js";

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

// -- today's route ---------------------------------------------------------------------------

const render = perFrame(() => {
  const rows = [...visits.values()].sort((a, b) => a.planned_at.localeCompare(b.planned_at));
  $("#route").replaceChildren(...rows.map(visitItem));
  if (!rows.length) $("#route").append(el("li", { class: "muted" }, gettext("No visits planned today.")));
});

function visitItem(visit) {
  const actions = [];
  if (visit.state === "planned") actions.push(button(gettext("Check in"), visit, "check-in"));
  if (visit.state === "checked_in") actions.push(button(gettext("Check out"), visit, "check-out"));
  const verification = visit.checkin_verification;
  return el(
    "li",
    { dataset: { visit: visit.id, state: visit.state } },
    el("strong", {}, visit.client_name),
    el("div", { class: "muted" }, `${dateTime(visit.planned_at)} · ${visit.type_name ?? ""}`),
    verification ? el("span", { class: `tag ${verificationTag(verification)}` }, VERIFICATION[verification]?.() ?? verification) : null,
    el("div", { class: "inline" }, ...actions),
  );
}

function button(label, visit, path) {
  const node = el("button", { type: "button", class: "primary", "aria-label": `${label}: ${visit.client_name}` }, label);
  node.addEventListener("click", async () => {
    node.disabled = true;
    try {
      const row = await api(`/api/visits/${visit.id}/${path}/`, { method: "POST", body: lastFix ?? {} });
      visits.set(row.id, row);
      render();
      notify(`${label}: ${visit.client_name}`, "ok");
    } catch (error) {
      notify(explain(error), "error");
      node.disabled = false;
    }
  });
  return node;
}

async function loadVisits() {
  const who = await me();
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
