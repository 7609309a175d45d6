// oqim-live.js: a dependency-free browser client for Oqim's live protocol (docs/realtime.md).
//
//   import { OqimLive } from "/static/realtime/oqim-live.js";
//   const live = new OqimLive({ ticket: async () => (await post("/api/realtime/tickets/")).ticket,
//                               token: async () => freshAccessToken() });
//   live.subscribe("stock", { load: reloadOverRest, apply: (event) => render(event) });
//   live.addEventListener("state", (e) => badge.textContent = e.detail.state);
//   live.start();
//
// It follows the documented algorithm: subscribe first, then load over REST; events that arrive
// while loading wait for it; resume with `since` after a reconnect; dedupe by event id;
// `resync_required` reloads; the access token is renewed before `expires_at`; reconnects back
// off with jitter; 4003 ends the session for good.

const STATES = ["idle", "connecting", "live", "reconnecting", "offline", "ended"];

export class OqimLive extends EventTarget {
  constructor({ url = "/ws/", ticket, token, minDelayMs = 500, maxDelayMs = 15000, seenLimit = 10000 } = {}) {
    super();
    if (typeof ticket !== "function") throw new TypeError("OqimLive needs ticket: async () => string");
    this.url = url;
    this.ticket = ticket;
    this.token = token;
    this.minDelayMs = minDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.seenLimit = seenLimit;
    this.state = "idle";
    this.welcome = null;
    this.subs = new Map(); // topic -> {handlers, position, loading, buffer, needLoad}
    this.seen = new Set(); // insertion-ordered, trimmed to seenLimit
    this.pending = new Map(); // ref -> {resolve, reject, timer}
    this.nextRef = 1;
    this.attempt = 0;
    this.ws = null;
    this.timers = {};
    this.stopped = true;
    this._online = () => this.state !== "live" && this._reconnectNow();
    // The browser knows it lost the network before the socket does (a socket can sit "open" for
    // minutes on a dead link): say so at once and let the reconnect wait for "online".
    this._offline = () => {
      if (this.stopped) return;
      this._setState("offline");
      this.ws?.close(4000, "browser offline");
    };
  }

  start() {
    if (!this.stopped) return this;
    this.stopped = false;
    globalThis.addEventListener?.("online", this._online);
    globalThis.addEventListener?.("offline", this._offline);
    this._connect();
    return this;
  }

  stop() {
    this.stopped = true;
    globalThis.removeEventListener?.("online", this._online);
    globalThis.removeEventListener?.("offline", this._offline);
    this._clearTimers();
    this.ws?.close(1000, "client stop");
    this.ws = null;
    this._setState("idle");
  }

  // Follow a topic. load(): Promise that (re)fetches the topic's state over REST; apply(event,
  // frame) applies one event; snapshot(frame) receives `snapshot` parts where the topic has them.
  subscribe(topic, { load, apply, snapshot } = {}) {
    const sub = { topic, load, apply, snapshot, position: undefined, loading: null, buffer: [], needLoad: true };
    this.subs.set(topic, sub);
    if (this.state === "live") this._sendSubscribe(sub);
    return () => {
      this.subs.delete(topic);
      if (this.state === "live") this.send({ type: "unsubscribe", topic });
    };
  }

  // Send a frame; false when the socket is not open (callers that need delivery use request()).
  send(frame) {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  // Send a frame and wait for the answer that echoes its ref (`location_ack`, `error`, ...).
  request(frame, { timeoutMs = 15000 } = {}) {
    const ref = `r${this.nextRef++}`;
    return new Promise((resolve, reject) => {
      if (!this.send({ ...frame, ref })) return reject(new LiveError("not_connected", "The live connection is not open."));
      const timer = setTimeout(() => this._settle(ref, new LiveError("timeout", "No answer in time.")), timeoutMs);
      this.pending.set(ref, { resolve, reject, timer });
    });
  }

  // -- connection ----------------------------------------------------------------------------

  async _connect() {
    this._clearTimers();
    this._setState(this.attempt === 0 ? "connecting" : "reconnecting");
    let ticket;
    try {
      ticket = await this.ticket();
    } catch (error) {
      if (error?.ended) return this._end(error.message || "session ended");
      return this._scheduleReconnect();
    }
    if (this.stopped) return;
    const base = new URL(this.url, globalThis.location?.href);
    base.protocol = base.protocol === "https:" ? "wss:" : base.protocol === "http:" ? "ws:" : base.protocol;
    base.searchParams.set("ticket", ticket);
    const ws = new WebSocket(base.href);
    this.ws = ws;
    ws.onmessage = (message) => ws === this.ws && this._onMessage(message);
    ws.onclose = (close) => ws === this.ws && this._onClose(close);
  }

  _onClose({ code, reason }) {
    this.ws = null;
    this.welcome = null;
    this._clearTimers();
    for (const ref of [...this.pending.keys()]) this._settle(ref, new LiveError("disconnected", "The connection closed."));
    this.dispatchEvent(new CustomEvent("close", { detail: { code, reason } }));
    if (this.stopped) return;
    if (code === 4003) return this._end(reason || "membership ended");
    this._scheduleReconnect();
  }

  _scheduleReconnect() {
    if (this.stopped) return;
    const offline = globalThis.navigator?.onLine === false;
    this._setState(offline ? "offline" : "reconnecting");
    const ceiling = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** this.attempt);
    this.attempt += 1;
    this.timers.reconnect = setTimeout(() => this._connect(), ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  _reconnectNow() {
    if (this.stopped || this.ws) return;
    this._connect();
  }

  _end(reason) {
    this.stopped = true;
    this._clearTimers();
    this._setState("ended", reason);
  }

  _clearTimers() {
    for (const timer of Object.values(this.timers)) clearTimeout(timer);
    this.timers = {};
  }

  _setState(state, reason = "") {
    if (!STATES.includes(state) || (state === this.state && !reason)) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, reason } }));
  }

  // A socket that hears nothing for two heartbeats is dead even if TCP has not noticed.
  _watch() {
    clearTimeout(this.timers.watchdog);
    const heartbeat = this.welcome?.heartbeat_seconds ?? 25;
    this.timers.watchdog = setTimeout(() => this.ws?.close(4000, "silent"), (heartbeat * 2 + 5) * 1000);
  }

  _scheduleTokenRefresh(expiresAt) {
    clearTimeout(this.timers.token);
    if (!this.token || !expiresAt) return;
    const left = Date.parse(expiresAt) - Date.now();
    this.timers.token = setTimeout(() => this._refreshToken(), Math.max(1000, left - Math.min(60000, left / 5)));
  }

  async _refreshToken() {
    try {
      const token = await this.token();
      this.send({ type: "auth", token });
    } catch (error) {
      if (error?.ended) this._end(error.message || "session ended");
      // Otherwise the server closes with 4001 at expiry, and the reconnect gets a new ticket.
    }
  }

  // -- frames --------------------------------------------------------------------------------

  _onMessage({ data }) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    this._watch();
    if (frame.ref !== undefined && this.pending.has(frame.ref)) {
      this._settle(frame.ref, frame.type === "error" ? new LiveError(frame.code, frame.message, frame) : null, frame);
    }
    const handler = FRAMES[frame.type];
    if (handler) handler.call(this, frame);
    this.dispatchEvent(new CustomEvent("frame", { detail: frame }));
  }

  _settle(ref, error, frame) {
    const waiter = this.pending.get(ref);
    if (!waiter) return;
    this.pending.delete(ref);
    clearTimeout(waiter.timer);
    if (error) waiter.reject(error);
    else waiter.resolve(frame);
  }

  _sendSubscribe(sub) {
    const frame = { type: "subscribe", topic: sub.topic };
    if (sub.position !== undefined) frame.since = sub.position;
    this.send(frame);
  }

  async _load(sub) {
    sub.needLoad = false;
    sub.buffer = [];
    const loading = (async () => {
      try {
        await sub.load?.();
      } catch (error) {
        this.dispatchEvent(new CustomEvent("load_error", { detail: { topic: sub.topic, error } }));
      }
    })();
    sub.loading = loading;
    await loading;
    if (sub.loading !== loading) return; // a newer load took over
    sub.loading = null;
    const waiting = sub.buffer;
    sub.buffer = [];
    for (const [event, frame] of waiting) sub.apply?.(event, frame);
  }

  _remember(id) {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > this.seenLimit) this.seen.delete(this.seen.values().next().value);
    return true;
  }
}

const FRAMES = {
  welcome(frame) {
    this.welcome = frame;
    this.attempt = 0;
    this._setState("live");
    this._scheduleTokenRefresh(frame.expires_at);
    for (const sub of this.subs.values()) this._sendSubscribe(sub);
    this.dispatchEvent(new CustomEvent("welcome", { detail: frame }));
  },
  authenticated(frame) {
    this._scheduleTokenRefresh(frame.expires_at);
  },
  subscribed(frame) {
    const sub = this.subs.get(frame.topic);
    if (!sub) return;
    if (sub.position === undefined) sub.position = frame.position;
    if (sub.needLoad) this._load(sub);
  },
  snapshot(frame) {
    this.subs.get(frame.topic)?.snapshot?.(frame);
  },
  event(frame) {
    const sub = this.subs.get(frame.topic);
    if (!sub) return;
    sub.position = frame.position;
    if (!this._remember(frame.event.id)) return;
    if (sub.loading) sub.buffer.push([frame.event, frame]);
    else sub.apply?.(frame.event, frame);
  },
  resync_required(frame) {
    const sub = this.subs.get(frame.topic);
    if (!sub) return;
    // Subscribe from the new position first, then reload: nothing falls in between.
    sub.position = frame.position;
    sub.needLoad = true;
    this._sendSubscribe(sub);
  },
  ping() {
    this.send({ type: "pong" });
  },
  error(frame) {
    this.dispatchEvent(new CustomEvent("error_frame", { detail: frame }));
  },
};

export class LiveError extends Error {
  constructor(code, message, frame = null) {
    super(message);
    this.code = code;
    this.frame = frame;
  }
}
