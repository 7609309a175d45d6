// The field manager's live map: every agent's presence, last fix and growing trail; today's
// visits with their check-in verification; one agent-day replayed with a time slider.
// Events are queued and drawn at most four times a second, however fast fixes arrive: a redraw
// repaints every agent's trail, and a person reads positions no faster.
import { $, api, apiAll, boot, el, isoDate, live, perFrame, gettext, time } from "../app.js";
import { VERIFICATION, makeMap, todayBounds, verificationTag } from "../field.js";

const L = globalThis.L;
const TRAIL_POINTS = 300;
const PRESENCE = { online: () => gettext("online"), idle: () => gettext("idle"), offline: () => gettext("offline") };
const COLOR = { online: "#1e7b34", idle: "#d08c00", offline: "#7a828a" };

const map = makeMap("map");
const agents = new Map(); // id -> {data, marker, trail, row}
const dirty = new Set();
const visits = new Map();
let fitted = false;

function agentFor(id, name = `#${id}`) {
  let agent = agents.get(id);
  if (!agent) {
    agent = { data: { id, name, presence: "offline" }, points: [], marker: null, trail: null, row: null };
    agents.set(id, agent);
  }
  return agent;
}

const REDRAW_MS = 250;

const draw = perFrame(() => {
  for (const id of dirty) drawAgent(agents.get(id));
  dirty.clear();
  if (!fitted) {
    const located = [...agents.values()].filter((a) => a.marker).map((a) => a.marker.getLatLng());
    if (located.length) {
      map.fitBounds(L.latLngBounds(located).pad(0.3), { maxZoom: 15 });
      fitted = true;
    }
  }
}, { every: REDRAW_MS });

function drawAgent(agent) {
  const { data } = agent;
  const color = COLOR[data.presence] ?? COLOR.offline;
  if (data.position) {
    const at = [data.position.lat, data.position.lon];
    if (!agent.marker) {
      agent.marker = L.circleMarker(at, { radius: 8, weight: 2, color: "#fff", fillOpacity: 1 }).addTo(map);
      agent.marker.bindTooltip(data.name);
      agent.trail = L.polyline([], { color, weight: 3, opacity: 0.7 }).addTo(map);
    }
    agent.marker.setLatLng(at);
    agent.marker.setStyle({ fillColor: color });
    agent.trail.setStyle({ color });
    agent.trail.setLatLngs(agent.points);
  }
  if (!agent.row) {
    agent.row = el("tr", { dataset: { agent: data.id } }, el("td"), el("td"), el("td"));
    agent.shown = {};
    $("#agents").append(agent.row);
    $("#replay-agent").append(el("option", { value: data.id }, data.name));
  }
  // Only what changed is written: each write to a 1,000-row table costs a layout.
  const [name, presence, last] = agent.row.children;
  const shown = agent.shown;
  if (shown.name !== data.name) name.textContent = shown.name = data.name;
  if (shown.presence !== data.presence) {
    shown.presence = data.presence;
    presence.replaceChildren(el("span", { class: `tag ${data.presence === "online" ? "good" : ""}` }, PRESENCE[data.presence]?.() ?? data.presence));
  }
  const fix = data.position ? time(data.position.recorded_at) : "—";
  if (shown.fix !== fix) last.textContent = shown.fix = fix;
  if (data.position) Object.assign(agent.row.dataset, { lat: data.position.lat, lon: data.position.lon });
}

function snapshot(frame) {
  if (frame.part === 1) {
    for (const agent of agents.values()) agent.points = [];
  }
  for (const row of frame.agents) {
    const agent = agentFor(row.id, row.name || row.username);
    agent.data = { ...agent.data, ...row, name: row.name || row.username };
    if (row.position && !agent.points.length) agent.points.push([row.position.lat, row.position.lon]);
    dirty.add(row.id);
  }
  draw();
}

function applyLocation(event) {
  if (event.type === "agent.presence_changed") {
    const agent = agentFor(event.data.agent_id);
    agent.data.presence = event.data.presence;
    dirty.add(event.data.agent_id);
  } else if (event.type === "agent.location_recorded") {
    for (const entry of event.data.agents) {
      const agent = agentFor(entry.agent_id);
      if (agent.data.position && agent.data.position.recorded_at > entry.recorded_at) continue; // late
      agent.data.position = entry;
      agent.data.presence = entry.presence;
      for (const [, lat, lon] of entry.trail) agent.points.push([lat, lon]);
      if (agent.points.length > TRAIL_POINTS) agent.points.splice(0, agent.points.length - TRAIL_POINTS);
      dirty.add(entry.agent_id);
    }
  }
  draw();
}

// -- visits ----------------------------------------------------------------------------------

const drawVisits = perFrame(() => {
  const rows = [...visits.values()].sort((a, b) => a.planned_at.localeCompare(b.planned_at));
  $("#visits").replaceChildren(
    ...rows.map((v) =>
      el(
        "tr",
        { dataset: { visit: v.id } },
        el("td", {}, v.agent_username),
        el("td", {}, v.client_name),
        el("td", {}, v.state),
        el("td", {}, v.checkin_verification ? el("span", { class: `tag ${verificationTag(v.checkin_verification)}` }, VERIFICATION[v.checkin_verification]?.() ?? v.checkin_verification) : "—"),
      ),
    ),
  );
  for (const v of rows) {
    if (v.checkin_lat === null || v.checkin_lat === undefined) continue;
    v.marker ??= L.circleMarker([v.checkin_lat, v.checkin_lon], { radius: 6, weight: 2, color: "#fff", fillOpacity: 1 }).addTo(map).bindTooltip(v.client_name);
    v.marker.setStyle({ fillColor: v.checkin_verification === "verified" ? "#1e7b34" : "#b3261e" });
  }
});

async function loadVisits() {
  for (const v of visits.values()) v.marker?.remove();
  visits.clear();
  for (const row of await apiAll("/api/visits/", todayBounds())) visits.set(row.id, row);
  drawVisits();
}

function applyVisit(event) {
  const id = event.data.visit_id;
  api(`/api/visits/${id}/`).then((row) => {
    visits.get(id)?.marker?.remove();
    visits.set(id, row);
    drawVisits();
  }, () => {});
}

// -- replay ----------------------------------------------------------------------------------

const replay = { line: null, marker: null, points: [] };

async function loadReplay(event) {
  event.preventDefault();
  const form = event.target;
  const day = new Date(`${form.day.value}T00:00:00`);
  const track = await api(`/api/locations/agents/${form.agent.value}/track/`, {
    params: { since: day.toISOString(), until: new Date(day.getTime() + 86400000).toISOString(), simplify: 5 },
  });
  replay.points = track.points;
  replay.line?.remove();
  replay.marker?.remove();
  const slider = $("#replay-slider");
  slider.max = String(Math.max(0, replay.points.length - 1));
  slider.value = slider.max;
  slider.disabled = replay.points.length === 0;
  if (!replay.points.length) {
    $("#replay-at").textContent = gettext("No points that day.");
    return;
  }
  replay.line = L.polyline([], { color: "#1a5fb4", weight: 4 }).addTo(map);
  replay.marker = L.circleMarker([0, 0], { radius: 9, color: "#1a5fb4", fillOpacity: 1 }).addTo(map);
  showReplay();
  map.fitBounds(L.latLngBounds(replay.points.map((p) => [p.lat, p.lon])).pad(0.2));
}

function showReplay() {
  const upto = Number($("#replay-slider").value);
  const shown = replay.points.slice(0, upto + 1);
  replay.line.setLatLngs(shown.map((p) => [p.lat, p.lon]));
  const last = shown.at(-1);
  replay.marker.setLatLng([last.lat, last.lon]);
  $("#replay-at").textContent = time(last.recorded_at);
}

boot(async () => {
  $("#replay").day.value = isoDate();
  $("#replay").addEventListener("submit", loadReplay);
  $("#replay-slider").addEventListener("input", showReplay);
  live.subscribe("agents.locations", { load: async () => {}, snapshot, apply: applyLocation });
  live.subscribe("visits", { load: loadVisits, apply: applyVisit });
});
