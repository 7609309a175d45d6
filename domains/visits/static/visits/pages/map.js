// The field manager's live map: every agent's presence, last fix and growing trail; today's
// visits with their check-in verification; one agent-day replayed with a time slider, with its
// stops on the map and the day's report (trips, stops, visits) below.
// Events are queued and drawn at most four times a second, however fast fixes arrive: a redraw
// repaints every agent's trail, and a person reads positions no faster.
// Today's clients are clustered (leaflet.markercluster, vendored beside Leaflet): zoomed out, a
// district's hundreds of dots are one count, coloured by the least advanced visit under it.
import { $, api, apiAll, boot, can, el, integer, isoDate, live, perFrame, gettext, tf, time } from "../../console/app.js";
import { VERIFICATION, makeMap, todayBounds, verificationTag, visitState, visitStateTag } from "../field.js";

const L = globalThis.L;
const TRAIL_POINTS = 300;
const PRESENCE = { online: () => gettext("online"), idle: () => gettext("idle"), offline: () => gettext("offline") };
const COLOR = { online: "#1e7b34", idle: "#d08c00", offline: "#7a828a" };
// A client's dot is coloured by the state of today's visit there (field.css), a check-in's by its
// GPS check. A cluster takes the colour of the first of these states among its clients, so it
// turns green only when every visit under it is checked out.
const PROGRESS = ["planned", "in_progress", "completed", "cancelled"];
const clients = new Map(); // id -> {row, marker, state, label}
let following = null; // the agent the map keeps in view

const map = makeMap("map");

// Clients are DOM markers, so each is a named button a keyboard reaches; clustered, only the few
// in view at street level are in the page. Agents are not clustered: they move four times a
// second with their trails, and the canvas draws a thousand of them at full frame rate.
const clientLayer = L.markerClusterGroup({
  showCoverageOnHover: false,
  maxClusterRadius: 50,
  disableClusteringAtZoom: 17, // street level: every client's own colour
  chunkedLoading: true, // thousands of clients are added between frames
  iconCreateFunction: clusterIcon,
}).addTo(map);

function clusterIcon(cluster) {
  const counts = {};
  for (const marker of cluster.getAllChildMarkers()) counts[marker.options.state] = (counts[marker.options.state] ?? 0) + 1;
  const states = PROGRESS.filter((state) => counts[state]);
  const count = cluster.getChildCount();
  const breakdown = states.map((state) => `${visitState(state)}: ${integer(counts[state])}`).join(" · ");
  const large = count >= 100;
  return L.divIcon({
    // colours in field.css (no inline style: CSP); the count is its name, the breakdown its words
    className: `marker-cluster client-cluster ${states[0] ?? "planned"}${large ? " large" : ""}`,
    iconSize: large ? [48, 48] : [40, 40],
    html: el("div", { title: breakdown }, el("span", {}, integer(count)), " ", el("span", { class: "sr-only" }, breakdown)),
  });
}

function clientIcon(state, label) {
  return L.divIcon({ className: `client-dot ${state}`, iconSize: [20, 20], html: el("span", { class: "sr-only" }, label) });
}

// What the colours mean, on the map itself.
const legend = L.control({ position: "bottomleft" });
legend.onAdd = () => {
  const swatch = (kind, text) => el("li", {}, el("span", { class: `swatch ${kind}` }), text); // colours in field.css (no inline style: CSP)
  return el(
    "ul",
    { class: "map-legend", "aria-label": gettext("Legend") },
    swatch("online", gettext("Agent online")),
    swatch("idle", gettext("Agent idle")),
    swatch("offline", gettext("Agent offline")),
    ...["planned", "in_progress", "completed"].map((state) => swatch(`ring ${state}`, tf(gettext("Client: %(state)s"), { state: visitState(state) }))),
    swatch("small out_of_range", gettext("Check-in out of range")),
  );
};
legend.addTo(map);
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
      // At once, not animated: a zoom the manager starts while an animation runs is undone
      // when it ends (Leaflet finishes the animation to its own target).
      map.fitBounds(L.latLngBounds(located).pad(0.3), { maxZoom: 15, animate: false });
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
    if (following === data.id) map.panTo(at);
    agent.marker.setStyle({ fillColor: color });
    agent.trail.setStyle({ color });
    agent.trail.setLatLngs(agent.points);
  }
  if (!agent.row) {
    agent.row = el("tr", { dataset: { agent: data.id } }, el("td"), el("td"), el("td"));
    agent.shown = {};
    $("#agents").append(agent.row);
    $("#replay-agent").append(el("option", { value: data.id }, data.name));
    $("#follow").append(el("option", { value: data.id }, data.name));
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
        el("td", {}, v.agent_name),
        el("td", {}, v.client_name),
        el("td", {}, el("span", { class: `tag ${visitStateTag(v.state)}` }, visitState(v.state))),
        el("td", {}, v.checkin_verification ? el("span", { class: `tag ${verificationTag(v.checkin_verification)}` }, VERIFICATION[v.checkin_verification]?.() ?? v.checkin_verification) : "—"),
      ),
    ),
  );
  // A client's dot shows its latest visit of the day; only new and changed dots are touched.
  const added = [];
  const changed = [];
  for (const v of new Map(rows.map((row) => [row.client, row])).values()) {
    const client = clients.get(v.client);
    if (client?.row.lat === null || client?.row.lat === undefined) continue;
    const state = PROGRESS.includes(v.state) ? v.state : "planned";
    const label = `${client.row.name} · ${v.agent_name} · ${visitState(v.state)}`;
    if (!client.marker) {
      client.marker = L.marker([client.row.lat, client.row.lon], { icon: clientIcon(state, label), state }).bindTooltip(label);
      added.push(client.marker);
    } else if (client.state !== state || client.label !== label) {
      client.marker.options.state = state;
      client.marker.setIcon(clientIcon(state, label)).setTooltipContent(label);
      changed.push(client.marker);
    }
    Object.assign(client, { state, label });
  }
  if (added.length) clientLayer.addLayers(added);
  if (changed.length) clientLayer.refreshClusters(changed); // their clusters' colours and counts
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
  const wanted = [...new Set([...visits.values()].map((v) => v.client))].filter((id) => !clients.has(id));
  for (let i = 0; i < wanted.length; i += 200) {
    for (const row of await apiAll("/api/clients/", { ids: wanted.slice(i, i + 200).join(",") })) clients.set(row.id, { row, marker: null });
  }
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

const replay = { line: null, marker: null, points: [], stops: [] };
const minutes = (seconds) => integer(seconds / 60);
const km = (metres) => tf(gettext("%(n)s km"), { n: (metres / 1000).toFixed(1) });
const fact = (label, value) => [el("dt", {}, label), el("dd", {}, value)];

function showDay(report) {
  for (const marker of replay.stops) marker.remove();
  replay.stops = report.stops.map((s) =>
    L.circleMarker([s.lat, s.lon], { radius: 7, color: "#c64600", fillOpacity: 0.8 })
      .bindTooltip(`${time(s.arrived_at)}–${time(s.departed_at)}${s.client ? ` · ${s.client.name}` : ""}`)
      .addTo(map),
  );
  $("#day-facts").replaceChildren(
    ...fact(gettext("Distance"), km(report.distance_m)),
    ...fact(gettext("Moving"), tf(gettext("%(n)s min"), { n: minutes(report.moving_seconds) })),
    ...fact(gettext("At clients"), tf(gettext("%(n)s min"), { n: minutes(report.at_clients_seconds) })),
    ...fact(gettext("Outside territory"), tf(gettext("%(n)s min"), { n: minutes(report.outside_territory_seconds) })),
    ...fact(gettext("Visits done"), tf(gettext("%(done)s of %(planned)s"), { done: report.visits_done, planned: report.visits_planned })),
  );
  const rows = [
    ...report.trips.map((t) => ({ from: t.started_at, to: t.ended_at, what: gettext("Trip"), seconds: t.seconds, distance: km(t.distance_m), client: "", kind: "trip" })),
    ...report.stops.map((s) => ({ from: s.arrived_at, to: s.departed_at, what: gettext("Stop"), seconds: s.seconds, distance: "", client: s.client?.name ?? "", kind: "stop" })),
    ...report.visits.map((v) => ({ from: v.checkin_at ?? v.planned_at, to: v.checkout_at, what: `${gettext("Visit")}: ${visitState(v.state)}`, seconds: null, distance: "", client: v.client_name, kind: "visit" })),
  ].sort((a, b) => a.from.localeCompare(b.from));
  $("#day-rows").replaceChildren(
    ...rows.map((r) =>
      el("tr", { dataset: { kind: r.kind } }, el("td", {}, time(r.from)), el("td", {}, r.to ? time(r.to) : "—"), el("td", {}, r.what), el("td", { class: "num" }, r.seconds === null ? "" : minutes(r.seconds)), el("td", { class: "num" }, r.distance), el("td", {}, r.client)),
    ),
  );
  $("#day").hidden = false;
}

async function loadReplay(event) {
  event.preventDefault();
  const form = event.target;
  const day = new Date(`${form.day.value}T00:00:00`);
  const track = await api(`/api/locations/agents/${form.agent.value}/track/`, {
    params: { since: day.toISOString(), until: new Date(day.getTime() + 86400000).toISOString(), simplify: 5 },
  });
  replay.points = track.points;
  if (can("visits.view_all")) {
    api("/api/visits/daily-report/", { params: { agent: form.agent.value, day: form.day.value } }).then(showDay, () => ($("#day").hidden = true));
  }
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
  $("#follow").addEventListener("change", (event) => {
    following = event.target.value ? Number(event.target.value) : null;
    const marker = following && agents.get(following)?.marker;
    if (marker) map.setView(marker.getLatLng(), Math.max(map.getZoom(), 15));
  });
  live.subscribe("agents.locations", { load: async () => {}, snapshot, apply: applyLocation });
  live.subscribe("visits", { load: loadVisits, apply: applyVisit });
});
