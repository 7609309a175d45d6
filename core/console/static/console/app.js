// The console's shared runtime: the tab's access token, REST calls, the live socket, formatting
// for the page's language, and small DOM helpers. Pages import what they need from here.
import { OqimLive } from "../realtime/oqim-live.js";

export const config = JSON.parse(document.getElementById("console-config").textContent);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
export const lang = document.documentElement.lang || "en";
const LOCALE = { uz: "uz-Latn-UZ", ru: "ru-RU", en: "en-GB" }[lang] || lang;

export const gettext = (text) => (globalThis.django ? globalThis.django.gettext(text) : text);
export const tf = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));

// -- session: the access token lives only in this tab's memory ---------------------------------

class SessionEnded extends Error {
  constructor(message) {
    super(message);
    this.ended = true;
  }
}

const session = { access: null, expiresAt: 0, me: null, inflight: null };

export async function accessToken(force = false) {
  if (!force && session.access && Date.now() < session.expiresAt - 30000) return session.access;
  session.inflight ??= (async () => {
    try {
      const response = await fetch("/console/session/", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      });
      if (response.status === 401 || response.status === 403) {
        const body = await response.json().catch(() => ({}));
        signIn();
        throw new SessionEnded(body.message || "session ended");
      }
      if (!response.ok) throw new ApiError(response.status, "unavailable", gettext("The server is not answering."));
      const body = await response.json();
      session.access = body.access;
      session.expiresAt = Date.now() + body.expires_in * 1000;
      session.me = body;
      return body.access;
    } finally {
      session.inflight = null;
    }
  })();
  return session.inflight;
}

export async function me() {
  if (!session.me) await accessToken();
  return session.me;
}

export const can = (capability) => Boolean(session.me?.capabilities.includes(capability));

function signIn() {
  const next = encodeURIComponent(location.pathname + location.search);
  location.assign(`/console/login/?next=${next}`);
}

// -- REST ----------------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, code, message, body = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
    this.fields = body.fields || {};
  }
}

export async function api(path, { method = "GET", body, params, idempotencyKey, retried = false } = {}) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    for (const one of [].concat(value)) if (one !== undefined && one !== null && one !== "") url.searchParams.append(key, one);
  }
  const headers = { Authorization: `Bearer ${await accessToken()}`, Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "network", gettext("No connection to the server. Try again."));
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (response.status === 401 && !retried) {
    await accessToken(true);
    return api(path, { method, body, params, idempotencyKey, retried: true });
  }
  if (!response.ok) {
    const error = data?.error || {};
    throw new ApiError(response.status, error.code || "error", error.message || response.statusText, error);
  }
  return data;
}

// A picture the API serves behind auth, as a blob: URL for an <img> (its URL names its
// version, so one fetch per picture and session).
const pictures = new Map();
export function picture(path) {
  if (!pictures.has(path)) {
    pictures.set(
      path,
      accessToken()
        .then((token) => fetch(new URL(path, location.origin), { headers: { Authorization: `Bearer ${token}` } }))
        .then((response) => (response.ok ? response.blob() : Promise.reject(new Error(response.statusText))))
        .then((blob) => URL.createObjectURL(blob))
        .catch((error) => (pictures.delete(path), Promise.reject(error))),
    );
  }
  return pictures.get(path);
}

// Every page of a list endpoint (cursor pagination: {results, next}).
export async function apiAll(path, params = {}, limit = 2000) {
  const rows = [];
  let page = await api(path, { params: { page_size: 200, ...params } });
  for (;;) {
    rows.push(...(page.results ?? page));
    if (!page.next || rows.length >= limit) return rows;
    page = await api(page.next);
  }
}

export function newKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// -- live ----------------------------------------------------------------------------------

export const live = new OqimLive({
  ticket: async () => (await api("/api/realtime/tickets/", { method: "POST" })).ticket,
  token: () => accessToken(true),
});

const STATE_TEXT = {
  idle: () => gettext("Not connected"),
  connecting: () => gettext("Connecting…"),
  live: () => gettext("Live"),
  reconnecting: () => gettext("Reconnecting…"),
  offline: () => gettext("Offline"),
  ended: () => gettext("Session ended"),
};

// The badge tells the truth: Live, or how long the page has been Reconnecting or Offline (what
// it shows may be that old).
let downSince = null;
function paintBadge() {
  const badge = document.getElementById("live-state");
  if (!badge) return;
  const state = live.state;
  badge.dataset.state = state;
  let text = STATE_TEXT[state]();
  const seconds = downSince === null ? 0 : Math.round((Date.now() - downSince) / 1000);
  if ((state === "offline" || state === "reconnecting") && seconds >= 10) {
    text += ` · ${seconds < 60 ? tf(gettext("%(n)s s"), { n: seconds }) : tf(gettext("%(n)s min"), { n: Math.floor(seconds / 60) })}`;
  }
  badge.textContent = text;
}

live.addEventListener("state", ({ detail }) => {
  if (detail.state === "live") downSince = null;
  else if (downSince === null && (detail.state === "offline" || detail.state === "reconnecting")) downSince = Date.now();
  paintBadge();
  if (detail.state === "ended") signIn();
});
setInterval(() => downSince !== null && paintBadge(), 5000);

// -- formatting for the page's language ----------------------------------------------------

const formats = new Map();
// A formatter is costly to build (a map of 1,000 agents formats thousands of times a second).
function cachedFormat(Format, options, locale = LOCALE) {
  const key = `${Format.name}${locale}${JSON.stringify(options)}`;
  if (!formats.has(key)) formats.set(key, new Format(locale, options));
  return formats.get(key);
}
// Chromium's ICU carries no Uzbek number symbols (it prints 1,234.5); Uzbek groups with a space
// and writes a decimal comma, as Russian does (CLDR uz), so its numbers borrow ru-RU's.
const NUMBER_LOCALE = lang === "uz" ? "ru-RU" : LOCALE;
const numberFormat = (options) => cachedFormat(Intl.NumberFormat, options, NUMBER_LOCALE);
const SOM = { uz: "soʻm", ru: "сум" };

// UZS has no minor unit in use: always whole sums, named as people say them (12 500 soʻm).
export function money(amount, currency = "UZS") {
  const digits = currency === "UZS" ? 0 : 2;
  if (currency === "UZS" && SOM[lang]) return `${numberFormat({ maximumFractionDigits: 0 }).format(Number(amount))} ${SOM[lang]}`;
  return numberFormat({ style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits })
    .format(Number(amount));
}

const UNITS = { g: () => gettext("g"), ml: () => gettext("ml"), pcs: () => gettext("pcs") };
export function quantity(value, unit) {
  const text = numberFormat({ maximumFractionDigits: 3 }).format(Number(value));
  return unit ? `${text} ${UNITS[unit]?.() ?? unit}` : text;
}

export const integer = (value) => numberFormat({ maximumFractionDigits: 0 }).format(Number(value));
export const percent = (value) => `${numberFormat({ maximumFractionDigits: 2 }).format(Number(value))} %`;

// Chromium's ICU has no Uzbek date patterns either (it prints 2026-12-07); in figures Uzbek writes
// dates as Russian does (07.12.2026, 14:52), so numeric dates borrow ru-RU's. Named months stay Uzbek.
const NUMERIC = new Set([undefined, "numeric", "2-digit"]);
export function dateTime(value, options = { dateStyle: "short", timeStyle: "short" }) {
  const numeric = NUMERIC.has(options.month) && !options.weekday && ["short", undefined].includes(options.dateStyle);
  const locale = lang === "uz" && numeric ? "ru-RU" : LOCALE;
  return value ? cachedFormat(Intl.DateTimeFormat, options, locale).format(new Date(value)) : "—";
}

export const time = (value) => dateTime(value, { timeStyle: "medium" });

export function isoDate(date = new Date()) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 10);
}

// -- DOM -----------------------------------------------------------------------------------

// el("button", {class: "big", onclick: f, "aria-label": "…"}, "text", child, …)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

// One message at a time in the page's live region (read out by screen readers).
export function notify(message, kind = "info") {
  const region = document.getElementById("notice");
  if (!region) return;
  region.dataset.kind = kind;
  region.setAttribute("role", kind === "error" ? "alert" : "status"); // a refusal is announced at once
  region.textContent = message;
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => (region.textContent = ""), kind === "error" ? 12000 : 5000);
}

export function explain(error) {
  if (!(error instanceof ApiError)) return error?.message || String(error);
  if (error.status === 403) return gettext("Your role may not do this.");
  const fields = Object.entries(error.fields).map(([field, problems]) => `${field}: ${problems.map((p) => p.message ?? p).join(" ")}`);
  return [error.message, ...fields].join(" ");
}

// Batch DOM work into one change per animation frame, however many events arrive; with
// ``every`` (ms), at most one per that interval, for views whose redraw itself is costly.
export function perFrame(render, { every = 0 } = {}) {
  let queued = false;
  let last = 0;
  const run = (now) => {
    if (now - last < every) {
      requestAnimationFrame(run);
      return;
    }
    queued = false;
    last = now;
    render();
  };
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(run);
  };
}

// Run fn once, ms after the last of a burst of calls; its failure is shown, not thrown.
export function debounce(fn, ms) {
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(() => fn().catch((error) => notify(explain(error), "error")), ms);
  };
}

// A form's named inputs as an object of strings.
export const formData = (form) => Object.fromEntries(new FormData(form).entries());

// Start the page: fetch who we are, then open the socket.
export async function boot(start) {
  document.querySelector(".lang select")?.addEventListener("change", async (event) => {
    // The member's choice follows them (their messages, other devices); the page reloads in it either way.
    await api("/api/me/", { method: "PATCH", body: { language: event.target.value } }).catch(() => {});
    event.target.form.requestSubmit();
  });
  document.getElementById("menu-toggle")?.addEventListener("click", (event) => {
    const open = document.getElementById("bar").classList.toggle("open");
    event.currentTarget.setAttribute("aria-expanded", String(open));
  });
  try {
    await me();
  } catch {
    return; // signIn() is already navigating
  }
  await start();
  live.start();
}
