// What the field pages share: the Leaflet map (vendored, a classic script) and day bounds.
import { config, gettext } from "../console/app.js";

const TASHKENT = [41.3111, 69.2797];

// With no tile URL, or tiles unreachable, the map still draws on its plain background.
export function makeMap(id) {
  const map = globalThis.L.map(id, { preferCanvas: true, zoomControl: false }).setView(TASHKENT, 12);
  // Leaflet's controls speak English unless told otherwise.
  globalThis.L.control.zoom({ zoomInTitle: gettext("Zoom in"), zoomOutTitle: gettext("Zoom out") }).addTo(map);
  map.attributionControl.setPrefix(false);
  if (config.tile_url) {
    globalThis.L.tileLayer(config.tile_url, { maxZoom: 19, attribution: "© OpenStreetMap contributors" }).addTo(map);
  }
  map.getContainer().setAttribute("aria-label", gettext("Map"));
  return map;
}

export function todayBounds() {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  const end = new Date(start.getTime() + 86400000);
  return { planned_from: start.toISOString(), planned_to: end.toISOString() };
}

export const VERIFICATION = {
  verified: () => gettext("verified"),
  out_of_range: () => gettext("out of range"),
  unverifiable: () => gettext("no GPS fix"),
};
export const verificationTag = (value) => (value === "verified" ? "good" : value ? "bad" : "");

// A visit's state as its person reads it (the API sends the code).
export const VISIT_STATE = {
  planned: () => gettext("Planned"),
  in_progress: () => gettext("Checked in"),
  completed: () => gettext("Checked out"),
  cancelled: () => gettext("Cancelled"),
};
export const visitState = (code) => VISIT_STATE[code]?.() ?? code;
export const visitStateTag = (code) => ({ in_progress: "warn", completed: "good", cancelled: "bad" })[code] ?? "";
