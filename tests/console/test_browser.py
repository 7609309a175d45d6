# ruff: noqa: RUF001 (Uzbek meal names, as the cook reads them)
"""The console in Debian's Chromium: live changes across browsers, roles, restarts, origins."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from django.utils import translation
from playwright.sync_api import expect

from core.console.pages import PAGES, pages_for
from core.roles import Role
from tests.browsers import PASSWORD, ROOT, Oqim
from tests.declared import shipped
from tests.net import free_port

SLUGS = list(shipped(PAGES))


def _call(oqim: Oqim, method: str, path: str, data: dict | None, token: str | None):  # type: ignore[no-untyped-def]
    request = urllib.request.Request(
        oqim.base + path, data=json.dumps(data).encode() if data is not None else None, method=method
    )
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


_tokens: dict[tuple[str, str], str] = {}


def rest(oqim: Oqim, method: str, path: str, body: dict | None = None, username: str = "demo-manager"):  # type: ignore[no-untyped-def]
    # One sign-in per login for the whole run: the login endpoint is throttled.
    key = (oqim.base, username)
    if key not in _tokens:
        login = {"username": username, "password": PASSWORD}
        _tokens[key] = _call(oqim, "POST", "/api/auth/login/", login, None)["access"]
    return _call(oqim, method, path, body, _tokens[key])


def portions(tab, meal: str) -> int:  # type: ignore[no-untyped-def]
    return int(tab.page.get_by_label(f"Portions possible: {meal}").get_attribute("data-value"))


def test_a_cook_serves_and_the_managers_portions_and_stock_change_live(tab):  # type: ignore[no-untyped-def]
    manager, cook = tab("demo-manager"), tab("demo-cook")
    manager.open("kitchen")
    cook.open("kitchen")
    before = portions(manager, "Omlet")
    eggs = manager.page.locator("#stock tr", has_text="Tuxum").locator("td").nth(1)
    eggs_before = eggs.inner_text()
    cook.page.get_by_label("Portions to serve").first.fill("2")  # Omlet is the first card (by name)
    with cook.page.expect_response("**/serve/") as served:
        cook.page.get_by_role("button", name="Serve Omlet").click()
    assert served.value.status == 201
    expect(manager.page.get_by_label("Portions possible: Omlet")).not_to_have_attribute(
        "data-value", str(before), timeout=1000
    )
    assert portions(manager, "Omlet") < before
    expect(eggs).not_to_have_text(eggs_before, timeout=5000)
    expect(cook.page.locator("#notice")).to_contain_text("Served 2 × Omlet")
    manager.shot("kitchen-manager")
    cook.page.set_viewport_size({"width": 390, "height": 844})
    cook.shot("kitchen-cook-phone")


def test_a_shortage_is_shown_in_plain_words(tab):  # type: ignore[no-untyped-def]
    cook = tab("demo-cook")
    cook.open("kitchen")
    cook.page.get_by_label("Portions to serve").nth(3).fill("10000")  # the fourth card, by name
    cook.page.get_by_role("button", name="Serve Tovuqli shoʻrva").click()
    expect(cook.page.locator("#notice")).to_contain_text("Not enough stock to serve Tovuqli shoʻrva.")
    expect(cook.page.locator("#notice")).to_contain_text("needs")


def test_a_cook_cannot_open_manager_pages_or_call_their_apis(tab):  # type: ignore[no-untyped-def]
    cook = tab("demo-cook")
    cook.open("kitchen")
    links = cook.page.get_by_role("navigation").get_by_role("link")
    with translation.override("en"):  # the tab's language
        titles = [(page.slug, str(page.title)) for page in pages_for(Role.COOK)]
    expect(links).to_have_text([title for _slug, title in titles])
    shipped = [title for slug, title in titles if slug in SLUGS]
    assert shipped == ["Kitchen", "Notifications"]  # the kitchen, and one's own notifications
    response = cook.page.goto(f"{cook.base}/console/map/")
    assert response.status == 403
    expect(cook.page.get_by_role("alert")).to_contain_text("Your role may not open this page.")
    status = cook.page.evaluate(
        """async () => {
            const csrf = document.querySelector('meta[name="csrf-token"]').content;
            const headers = {"X-CSRFToken": csrf};
            const session = await (await fetch("/console/session/", {method: "POST", headers})).json();
            const auth = {Authorization: `Bearer ${session.access}`};
            const answer = await fetch("/api/stock/products/", {headers: auth});
            const stored = typeof localStorage.getItem("oqim_session");
            return [answer.status, stored, document.cookie.includes("oqim_session")];
        }"""
    )
    assert status == [403, "object", False]  # refused; nothing in localStorage; the cookie is HttpOnly


def test_the_customers_pin_appears_without_a_reload(tab, oqim):  # type: ignore[no-untyped-def]
    provider = rest(oqim, "GET", "/api/orders/providers/", username="demo-admin")["results"][0]
    quick = {"delay_seconds": 0.5, "failure_rate": 0.0, "error_rate": 0.0, "timeout_rate": 0.0}
    rest(oqim, "PATCH", f"/api/orders/providers/{provider['id']}/", {"simulation": quick}, username="demo-admin")
    customer = tab("demo-customer")
    customer.open("order")
    customer.page.get_by_label("Account to top up").fill("player-42")
    customer.page.get_by_role("button", name="Place order").click()
    item = customer.page.locator("#orders li", has_text="player-42").first
    expect(item).to_have_attribute("data-status", "completed", timeout=30000)
    pin = item.get_by_label("PIN")
    expect(pin).to_be_hidden()
    item.get_by_role("button", name="Show PIN").click()
    expect(pin).to_be_visible()
    assert pin.inner_text().strip()
    customer.shot("order-customer")


def test_an_agent_pastes_a_token_into_a_tracker_app_and_appears_on_the_map(tab, oqim):  # type: ignore[no-untyped-def]
    manager = tab("demo-manager")
    manager.open("map")
    agent = tab("demo-agent")
    agent.open("agent")
    agent.page.get_by_text("Tracker apps").click()  # set up once, so folded under the day's route
    form = agent.page.locator("#device")
    form.get_by_label("App").fill("Traccar Client")
    form.get_by_role("button", name="Make a token").click()
    token = agent.page.locator("#device-token").inner_text()
    assert token.startswith("oqd_")
    expect(agent.page.locator("#device-made")).to_contain_text(f"{oqim.base}/api/trackers/osmand/")
    # what Traccar Client sends, once the URL and the token are pasted in
    # where the next test's phone starts, so its first fix is no jump the speed filter refuses
    query = urllib.parse.urlencode({"id": token, "lat": "41.3301", "lon": "69.3101", "timestamp": int(time.time())})
    with urllib.request.urlopen(f"{oqim.base}/api/trackers/osmand/?{query}", timeout=10) as answer:
        assert answer.status == 200 and json.loads(answer.read())["stored"] == 1
    row = manager.page.locator("#agents tr[data-agent]", has_text="Bobur Aliyev")
    expect(row).to_have_attribute("data-lat", "41.3301", timeout=10000)
    expect(agent.page.locator("#devices li").first).to_contain_text(f"Traccar Client · …{token[-4:]}")
    agent.shot("agent-devices")


def test_a_managers_replay_shows_the_agents_day(tab):  # type: ignore[no-untyped-def]
    manager = tab("demo-manager")
    manager.open("map")
    form = manager.page.locator("#replay")
    agent = form.locator("select[name=agent] option", has_text="Bobur Aliyev").get_attribute("value")
    form.get_by_label("Agent").select_option(value=agent)
    form.get_by_role("button", name="Load").click()
    day = manager.page.get_by_role("region", name="The day")
    expect(day).to_be_visible()
    expect(day.locator("#day-facts")).to_contain_text("Visits done")
    expect(day.locator("#day-facts")).to_contain_text("km")
    expect(day.locator("tr[data-kind=visit]").first).to_be_visible()  # the demo agent's visits today
    expect(day.locator("tr[data-kind=trip]").first).to_be_visible()  # and the morning's walk
    manager.shot("day-manager")


def test_the_managers_map_clusters_todays_clients_and_a_cluster_opens_into_them(tab):  # type: ignore[no-untyped-def]
    manager = tab("demo-manager")
    manager.open("map")
    area = manager.page.locator("#map")
    expect(manager.page.locator("#agents tr[data-lat]").first).to_be_attached()  # the map has fitted them
    expect(manager.page.locator("#visits tr").first).to_be_attached()
    # Zoomed out to the city, the demo's clients (a few hundred metres apart) become a count,
    # named by the states under it.
    states = "(Planned|Checked in|Checked out|Cancelled)"
    cluster = area.get_by_role("button", name=re.compile(rf"^\d+ {states}: \d+")).first
    for _ in range(6):
        area.get_by_role("button", name="Zoom out").click()
        try:  # Leaflet's zoom animation, then the clustering: slower on a loaded machine
            expect(cluster).to_be_visible(timeout=1500)
            break
        except AssertionError:
            continue
    expect(cluster).to_be_visible()
    count = int(re.match(r"\d+", cluster.inner_text()).group())  # type: ignore[union-attr]
    assert count >= 2
    manager.shot("map-clusters")
    cluster.press("Enter")  # as a click does, zooms to its clients: each a dot, a button named for it
    clients = area.get_by_role("button", name=re.compile(rf"^.+ · .+ · {states}$"))
    expect(clients.nth(count - 1)).to_be_visible()


def test_an_agents_browser_location_moves_the_agent_on_the_managers_map(tab):  # type: ignore[no-untyped-def]
    manager = tab("demo-manager")
    manager.open("map")
    agent = tab(
        "demo-agent",
        geolocation={"latitude": 41.3301, "longitude": 69.3101, "accuracy": 5},
        permissions=["geolocation"],
    )
    agent.open("agent")
    row = manager.page.locator("#agents tr[data-agent]", has_text="Bobur Aliyev")
    expect(row).to_have_attribute("data-lat", "41.3301", timeout=10000)
    time.sleep(2)  # a walking pace: the judge filters jumps faster than a car
    agent.context.set_geolocation({"latitude": 41.3302, "longitude": 69.3102, "accuracy": 5})
    expect(row).to_have_attribute("data-lat", "41.3302", timeout=10000)
    expect(agent.page.locator("#gps-buffer")).to_have_text("0")
    manager.shot("map-manager")
    agent.page.set_viewport_size({"width": 390, "height": 844})
    agent.shot("agent-phone")


def test_a_restart_under_an_open_page_reconnects_and_shows_what_changed_meanwhile(tab, oqim):  # type: ignore[no-untyped-def]
    manager = tab("demo-manager")
    manager.open("kitchen")
    before = portions(manager, "Palov")
    # Offline, the page cannot come back before the change: it must learn of it on reconnecting
    # (a replay from Redis; in embedded mode the streams restarted empty, so a resync over REST).
    manager.context.set_offline(True)
    oqim.stop_web()
    expect(manager.page.locator("#live-state")).not_to_have_attribute("data-state", "live", timeout=10000)
    oqim.start()
    meal = next(m for m in rest(oqim, "GET", "/api/kitchen/portions/") if m["name"] == "Palov")
    rest(oqim, "POST", f"/api/kitchen/meals/{meal['meal_id']}/serve/", {"portions": 3})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the recompute is a job, a moment after the serve
        if next(m for m in rest(oqim, "GET", "/api/kitchen/portions/") if m["name"] == "Palov")["portions"] < before:
            break
        time.sleep(0.2)
    assert portions(manager, "Palov") == before  # nothing reached the page yet
    manager.context.set_offline(False)
    expect(manager.page.locator("#live-state")).to_have_attribute("data-state", "live", timeout=30000)
    expect(manager.page.get_by_label("Portions possible: Palov")).to_have_attribute(
        "data-value", str(before - 3), timeout=10000
    )


def test_a_foreign_origin_cannot_open_the_socket(browser, oqim):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    page.route(
        "http://foreign.test/", lambda route: route.fulfill(body="<title>foreign</title>", content_type="text/html")
    )
    page.goto("http://foreign.test/")
    outcome = page.evaluate(
        """(url) => new Promise((resolve) => {
            const ws = new WebSocket(url);
            ws.onopen = () => resolve("open");
            ws.onclose = (event) => resolve(`closed ${event.code}`);
        })""",
        oqim.base.replace("http", "ws") + "/ws/",
    )
    assert outcome == "closed 1006"  # the handshake was refused (HTTP 403)
    context.close()


def test_every_page_loads_in_each_language_without_policy_violations(tab, oqim):  # type: ignore[no-untyped-def]
    admin = tab("demo-admin")
    for slug in SLUGS:
        started = time.monotonic()
        admin.open(slug)
        assert time.monotonic() - started < 30
        admin.shot(f"page-{slug}")
    try:
        admin.open("operations")
        admin.page.select_option(".lang select", "ru")
        admin.page.wait_for_url("**/console/operations/")
        expect(admin.page.get_by_role("heading", level=1)).to_have_text("Эксплуатация")
        admin.open("kitchen")
        expect(admin.page.locator("#live-state")).to_have_text("В эфире")
        admin.page.select_option(".lang select", "uz")
        expect(admin.page.get_by_role("heading", level=1)).to_have_text("Oshxona")
        admin.shot("kitchen-uz")
        # The switch saved the member's choice: on another device, with no choice made there, the
        # console opens in it whatever the browser asks for.
        other = tab("demo-admin")  # an English browser
        other.open("kitchen")
        expect(other.page.get_by_role("heading", level=1)).to_have_text("Oshxona")
        expect(other.page.locator("#live-state")).to_have_text("Jonli")
    finally:  # the switch saved the admin's choice: the demo as it was for the other tests
        rest(oqim, "PATCH", "/api/me/", {"language": ""}, username="demo-admin")


INTERACTIVE = {"button", "link", "textbox", "spinbutton", "combobox", "checkbox", "radio", "slider", "searchbox"}


def test_every_control_has_an_accessible_name_and_a_cook_can_serve_by_keyboard(tab):  # type: ignore[no-untyped-def]
    admin = tab("demo-admin")
    cdp = admin.context.new_cdp_session(admin.page)
    unnamed, controls = [], 0
    for slug in SLUGS:
        admin.open(slug)
        admin.page.wait_for_load_state("networkidle")
        # Chromium's own accessibility tree: what a screen reader announces for each control.
        for node in cdp.send("Accessibility.getFullAXTree")["nodes"]:
            role = node.get("role", {}).get("value")
            if role not in INTERACTIVE or node.get("ignored"):
                continue
            controls += 1
            if not node.get("name", {}).get("value", "").strip():
                unnamed.append(f"{slug}: {role} {node.get('backendDOMNodeId')}")
    assert controls > 100  # the tree was read: every page's navigation alone has ten links
    assert not unnamed, unnamed

    cook = tab("demo-cook")
    cook.open("kitchen")
    before = portions(cook, "Palov")
    cook.page.keyboard.press("Tab")
    expect(cook.page.locator(".skip")).to_be_focused()
    cook.page.keyboard.press("Enter")
    expect(cook.page.locator("#main")).to_be_focused()
    serve = cook.page.get_by_role("button", name="Serve Palov")
    for _ in range(40):
        cook.page.keyboard.press("Tab")
        if serve.evaluate("(button) => button === document.activeElement"):
            break
    expect(serve).to_be_focused()
    with cook.page.expect_response("**/serve/") as served:
        cook.page.keyboard.press("Enter")
    assert served.value.status == 201
    expect(cook.page.get_by_label("Portions possible: Palov")).to_have_attribute("data-value", str(before - 1))


def test_signing_out_in_one_tab_ends_the_others(tab):  # type: ignore[no-untyped-def]
    manager = tab("demo-manager")
    manager.open("kitchen")
    other = manager.context.new_page()
    other.goto(manager.base + "/console/alarms/")
    expect(other.locator("#live-state")).to_have_attribute("data-state", "live", timeout=15000)
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_url("**/console/login/**")
    # The first tab's socket is closed at the server's next re-check (REALTIME_RECHECK_SECONDS,
    # 15 s) and the cookie is gone, so no new token: the tab goes back to sign-in.
    manager.page.wait_for_url("**/console/login/**", timeout=25000)
    assert all(cookie["name"] != "oqim_session" for cookie in manager.context.cookies())


def test_an_admin_connects_1c_and_an_agent_orders_with_1cs_number_back(tab, oqim):  # type: ignore[no-untyped-def]
    primary, failover = free_port(), free_port()
    simulator = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "simulate_1c",
            "--port",
            str(primary),
            "--failover-port",
            str(failover),
            "--clients",
            "50",
        ],
        cwd=ROOT,
        env=oqim.env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "primary" in simulator.stdout.readline()
        admin = tab("demo-admin")
        admin.open("onec")
        form = admin.page.locator("#connection")
        # The page fills the form with the stored connection once loaded: type after that, as a
        # person does, or the load overwrites what was typed.
        expect(form.get_by_label("WSDL URL")).to_have_value("http://127.0.0.1:8101/exchange?wsdl")
        form.get_by_label("WSDL URL").fill(f"http://127.0.0.1:{primary}/exchange?wsdl")
        form.get_by_label("Failover URL").fill(f"http://127.0.0.1:{failover}/exchange?wsdl")
        form.get_by_label("Exchange on schedule").check()
        form.get_by_role("button", name="Save").click()
        expect(admin.page.locator("#notice")).to_have_text("Connection saved.")
        admin.page.get_by_role("button", name="Exchange now").click()
        # The progress and the journal follow the worker live.
        expect(admin.page.locator("#progress")).to_contain_text("Exchange done", timeout=30000)
        expect(admin.page.locator("#journal tr[data-status=succeeded]")).to_have_count(2)
        admin.shot("onec-admin")

        # The primary stops: the agent notices nothing.
        urllib.request.urlopen(
            urllib.request.Request(f"http://127.0.0.1:{primary}/control", data=b'{"down": true}', method="POST"),
            timeout=5,
        )
        agent = tab("demo-agent")
        agent.open("catalog")
        client = agent.page.locator("select[name=client] option", has_text="(K-000000)").get_attribute("value")
        agent.page.get_by_label("Client").select_option(value=client)
        agent.page.get_by_label("Search").fill("4780000000005")  # a barcode, as a scanner types it
        rows = agent.page.locator("#products tr[data-product]")
        expect(rows).to_have_count(1)
        expect(rows.first.locator("td").nth(3)).to_contain_text("UZS")  # the client's price
        expect(rows.first.locator("img.thumb")).to_have_attribute("src", re.compile(r"^blob:"))  # from 1C, behind auth
        rows.first.get_by_role("button").click()
        agent.page.get_by_role("button", name="Place order").click()
        expect(agent.page.locator("#notice")).to_contain_text("placed")
        newest = agent.page.locator("#orders li").first
        expect(newest).to_have_attribute("data-status", "sent", timeout=30000)
        expect(newest).to_contain_text("SIM-")
        agent.shot("catalog-agent")
        # and the admin's page, open all along, lists it live next to the demo's first order (the
        # demo's finished visits may be sent meanwhile too: they get VIS- numbers)
        orders_sent = admin.page.locator("#documents tr[data-status=sent]", has_text="SIM-")
        expect(orders_sent).to_have_count(2)
    finally:
        simulator.terminate()
        simulator.wait(10)


def test_a_manager_links_telegram_with_one_tap_and_gets_low_stock_in_their_language(tab, oqim, telegram):  # type: ignore[no-untyped-def]
    oqim_admin = tab("demo-admin")
    oqim_admin.open("notifications")
    bot = oqim_admin.page.locator("#bot")
    bot.get_by_label("Bot token from @BotFather").fill(telegram.token)
    bot.get_by_role("button", name="Connect").click()
    expect(oqim_admin.page.locator("#bot-state")).to_have_text("Connected: @oqim_test_bot")
    expect(oqim_admin.page.locator("#rules tr")).not_to_have_count(0)  # the demo's rule: stock.low to managers

    manager = tab("demo-manager")
    manager.open("notifications")
    form = manager.page.locator("#preferences")
    form.get_by_label("Language").select_option("ru")
    form.get_by_role("button", name="Save").click()
    expect(manager.page.locator("#notice")).to_have_text("Saved.")
    with manager.context.expect_page() as opened:
        manager.page.get_by_role("button", name="Link Telegram", exact=True).click()  # the one tap
    opened.value.close()  # Telegram itself (no internet here): the member presses Start there
    href = manager.page.locator("#link-url").get_attribute("href")
    assert href.startswith("https://t.me/oqim_test_bot?start=")
    telegram.press_start(4242, href.split("start=", 1)[1], name="demo_manager")
    expect(manager.page.locator("#telegram-state")).to_have_text("Telegram is linked (demo_manager).", timeout=20000)
    manager.shot("notifications-linked")

    rest(oqim, "POST", "/api/stock/products/", {"name": "Zafaron (bot uchun)", "unit": "g", "minimum": "50"})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not [m for m in telegram.sent() if "Zafaron (bot uchun)" in m["text"]]:
        time.sleep(0.2)
    (message,) = [m for m in telegram.sent() if "Zafaron (bot uchun)" in m["text"]]
    assert message["chat_id"] == 4242 and "Мало остатка" in message["text"]
    oqim_admin.open("notifications")
    expect(oqim_admin.page.locator("#log tr[data-state=sent]").first).to_be_visible()


def test_an_admin_registers_a_webhook_sees_the_secret_once_and_replays_a_delivery(tab, oqim):  # type: ignore[no-untyped-def]
    from standardwebhooks import Webhook

    from tests.webhooks.receiver import receiver

    with receiver() as hook:
        admin = tab("demo-admin")
        admin.open("webhooks")
        form = admin.page.locator("#endpoint")
        form.get_by_label("URL").fill(hook.url)
        form.get_by_label("Event types").select_option(["stock.product_changed"])
        form.get_by_role("button", name="Add endpoint").click()
        secret = admin.page.locator("#secret-shown code").inner_text()
        assert secret.startswith("whsec_")
        rest(
            oqim,
            "POST",
            "/api/stock/products/",
            {"name": "Zira (buxgalteriya uchun)", "unit": "g"},
            username="demo-admin",
        )
        deadline = time.monotonic() + 20
        while not hook.requests and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (
            Webhook(secret).verify(hook.requests[0].body, hook.requests[0].headers)["type"] == "stock.product_changed"
        )
        admin.open("webhooks")
        row = admin.page.locator("#deliveries tr[data-state=delivered]").first
        expect(row).to_be_visible()
        row.get_by_role("button", name="Replay").click()
        deadline = time.monotonic() + 20
        while len(hook.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert hook.requests[1].headers["webhook-id"] == hook.requests[0].headers["webhook-id"]
        admin.shot("webhooks")


def test_an_admin_writes_a_rule_by_ticking_events_and_roles_by_name(tab):  # type: ignore[no-untyped-def]
    admin = tab("demo-admin", locale="ru")  # a Russian browser; the member has chosen no language
    admin.open("notifications")
    form = admin.page.locator("#rule")
    form.get_by_label("Название").fill("Возвраты менеджерам")
    admin.page.get_by_role("button", name="Добавить правило").click()
    expect(admin.page.get_by_role("alert")).to_contain_text("Выберите хотя бы одно событие.")
    form.get_by_role("group", name="Когда").get_by_label("Возврат по продаже").check()
    form.get_by_role("group", name="Кому сообщить").get_by_label("Менеджер").check()
    admin.page.get_by_role("button", name="Добавить правило").click()
    row = admin.page.locator("#rules tr", has_text="Возвраты менеджерам")
    expect(row).to_contain_text("Возврат по продаже")
    expect(row).to_contain_text("Менеджер")
