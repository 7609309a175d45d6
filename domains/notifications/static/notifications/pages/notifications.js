// Notifications: every member's own (language, quiet hours, addresses, Telegram linked with one
// tap), and for admins the bot, the rules and the log of messages sent.
import { $, api, apiAll, boot, can, config, dateTime, el, explain, formData, integer, notify, gettext, tf } from "../../console/app.js";

const CHANNEL = { telegram: () => "Telegram", email: () => gettext("E-mail"), http: () => "SMS" };

const STATE = { pending: () => gettext("waiting"), sent: () => gettext("sent"), failed: () => gettext("failed") };
let followable = {}; // event type -> its name in the page's language
const checked = (form, name) => [...form.querySelectorAll(`[name=${name}]:checked`)].map((box) => box.value);
const checkbox = (name, value, text) => el("label", { class: "check" }, el("input", { type: "checkbox", name, value }), ` ${text}`);
let bot = null;
let mine = null;

function renderMine() {
  const f = $("#preferences");
  f.language.value = mine.language;
  f.quiet_from.value = (mine.quiet_from || "").slice(0, 5);
  f.quiet_until.value = (mine.quiet_until || "").slice(0, 5);
  f.email.value = mine.email;
  f.phone.value = mine.phone;
  for (const box of f.querySelectorAll("[name=channel]")) box.checked = !mine.channels.length || mine.channels.includes(box.value);
  $("#telegram-state").textContent = mine.telegram_linked
    ? tf(gettext("Telegram is linked (%(name)s)."), { name: mine.telegram_name || "—" })
    : bot?.connected
      ? gettext("Telegram is not linked yet.")
      : gettext("The organization has no Telegram bot yet.");
  $("#link").disabled = !bot?.connected;
  $("#unlink").disabled = !mine.telegram_linked;
}

async function savePreferences(event) {
  event.preventDefault();
  const values = formData(event.target);
  const channels = [...event.target.querySelectorAll("[name=channel]:checked")].map((box) => box.value);
  const body = {
    language: values.language,
    quiet_from: values.quiet_from || null,
    quiet_until: values.quiet_until || null,
    email: values.email,
    phone: values.phone,
    channels: channels.length === 3 ? [] : channels,
  };
  try {
    mine = await api("/api/notifications/me/", { method: "PATCH", body });
    renderMine();
    notify(gettext("Saved."), "ok");
  } catch (error) {
    notify(explain(error), "error");
  }
}

async function link() {
  try {
    const answer = await api("/api/notifications/me/telegram/", { method: "POST" });
    const a = $("#link-url");
    a.href = answer.url;
    a.textContent = gettext("Open Telegram and press Start");
    $("#link-shown").hidden = false;
    window.open(answer.url, "_blank", "noopener");
    waitForLink(Date.parse(answer.expires_at));
  } catch (error) {
    notify(explain(error), "error");
  }
}

function waitForLink(until) {
  // The bot links the chat once Start is pressed; look every few seconds until it has.
  const look = async () => {
    mine = await api("/api/notifications/me/");
    renderMine();
    if (mine.telegram_linked) {
      $("#link-shown").hidden = true;
      notify(gettext("Telegram linked."), "ok");
    } else if (Date.now() < until) setTimeout(look, 3000);
  };
  setTimeout(look, 3000);
}

async function unlink() {
  try {
    mine = await api("/api/notifications/me/telegram/", { method: "DELETE" });
    renderMine();
  } catch (error) {
    notify(explain(error), "error");
  }
}

function renderBot() {
  $("#bot-state").textContent = bot.connected ? tf(gettext("Connected: @%(name)s"), { name: bot.username }) : gettext("Not connected.");
}

async function connectBot(event) {
  event.preventDefault();
  try {
    bot = await api("/api/notifications/telegram-bot/", { method: "PUT", body: { token: event.target.token.value } });
    event.target.reset();
    renderBot();
    renderMine();
  } catch (error) {
    notify(explain(error), "error");
  }
}

async function loadRules() {
  const rows = await apiAll("/api/notifications/rules/", {}, 200);
  $("#rules").replaceChildren(
    ...rows.map((rule) => {
      const remove = el("button", { type: "button", "aria-label": `${gettext("Delete")}: ${rule.name}` }, gettext("Delete"));
      remove.addEventListener("click", async () => {
        try {
          await api(`/api/notifications/rules/${rule.id}/`, { method: "DELETE" });
          await loadRules();
        } catch (error) {
          notify(explain(error), "error");
        }
      });
      return el("tr", { dataset: { rule: rule.id } }, el("td", {}, rule.name), el("td", {}, rule.event_types.map((type) => followable[type] ?? type).join(", ")), el("td", {}, [...rule.roles.map((role) => config.roles?.[role] ?? role), ...rule.users.map((id) => `#${id}`)].join(", ")), el("td", {}, rule.channels.map((channel) => CHANNEL[channel]?.() ?? channel).join(", ")), el("td", {}, remove));
    }),
  );
}

async function addRule(event) {
  event.preventDefault();
  const form = event.target;
  const body = { name: form.elements.name.value, event_types: checked(form, "event_type"), roles: checked(form, "role"), channels: checked(form, "rule_channel") };
  if (!body.event_types.length) {
    notify(gettext("Choose at least one event."), "error");
    return;
  }
  try {
    await api("/api/notifications/rules/", { method: "POST", body });
    event.target.reset();
    await loadRules();
  } catch (error) {
    notify(explain(error), "error");
  }
}

async function loadLog() {
  const rows = await apiAll("/api/notifications/log/", {}, 50);
  $("#log").replaceChildren(
    ...rows.map((n) =>
      el(
        "tr",
        { dataset: { notification: n.id, state: n.state } },
        el("td", {}, dateTime(n.created_at)),
        el("td", {}, n.name),
        el("td", {}, CHANNEL[n.channel]?.() ?? n.channel),
        el("td", {}, el("span", { class: `tag ${n.state === "sent" ? "good" : n.state === "failed" ? "bad" : "warn"}` }, STATE[n.state]?.() ?? n.state)),
        el("td", { class: "num" }, integer(n.attempts)),
        el("td", {}, n.text),
        el("td", {}, n.last_error),
      ),
    ),
  );
}

boot(async () => {
  $("#preferences").addEventListener("submit", savePreferences);
  $("#link").addEventListener("click", link);
  $("#unlink").addEventListener("click", unlink);
  const admin = can("notifications.manage");
  for (const card of document.querySelectorAll("[data-needs]")) card.hidden = !can(card.dataset.needs);
  mine = await api("/api/notifications/me/");
  bot = admin ? await api("/api/notifications/telegram-bot/") : { connected: Boolean(mine.telegram_bot), username: mine.telegram_bot };
  renderMine();
  if (admin) {
    renderBot();
    $("#bot").addEventListener("submit", connectBot);
    $("#rule").addEventListener("submit", addRule);
    const types = await api("/api/notifications/event-types/");
    followable = Object.fromEntries(types.map((type) => [type.name, type.title]));
    $("#rule-events").append(...types.map((type) => checkbox("event_type", type.name, type.title)));
    $("#rule-roles").append(...Object.entries(config.roles).map(([role, name]) => checkbox("role", role, name)));
    await Promise.all([loadRules(), loadLog()]);
  }
});
