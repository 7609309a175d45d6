"""Console benchmark: Debian's Chromium (Playwright) on the console, served by two web processes
with a worker and a scheduler over PostgreSQL + Redis, on lived-in state with the demo loaded.

    .venv/bin/python bench/console.py [--agents 1000] [--rate 2000] [--seconds 20] [--meals 500]
                                      [--serves 20] [--skip pages,kitchen,map] [--fresh] [--smoke]

Uses postgres://postgres@127.0.0.1:5432/oqim_bench_console and redis://127.0.0.1:6379/12
(both wiped) unless DATABASE_URL / REDIS_URL say otherwise; Chromium at $CHROMIUM
(/usr/bin/chromium).

- the demo as ``make run`` loads it (``seed_demo``), then lived in (``--fresh`` skips it): every
  topic stream of the demo organization at its MAXLEN, the firehose full, a day of outbox rows.
- pages: each page opened cold (a new browser context) by a demo login whose role opens it;
  ``live`` is navigation start to the connection badge saying live, ``ready`` to the last REST
  answer the page asked for once live (its first complete render), JS heap after.
- kitchen: --meals more meals in the demo kitchen; the kitchen page's first render with all of
  them, then --serves taps of "Serve" by the cook while a manager's kitchen page is open:
  tap to the manager's portion count changing (the live path end to end, both pages drawn).
- map: the manager's field map open while --agents phones (bench/clients/phones.py, the
  locations bench's generator, on real sockets) send --rate points/s; every animation frame's
  duration in the page (frame p50, p95, p99, max), long tasks (> 50 ms), agent rows drawn, live
  frames the page received.
Last line: RESULT key=value ...
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import environment

environment.services(database="oqim_bench_console", redis_db=12)
environment.setup()

from bench.harness import cli, livedin, people, sockets  # noqa: E402
from bench.harness.domains import kitchen, stock  # noqa: E402
from bench.harness.measure import percentile  # noqa: E402
from bench.harness.result import Report  # noqa: E402
from bench.harness.servers import Server, Servers  # noqa: E402
from core.console.pages import PAGES  # noqa: E402
from core.demo import DEMO_SLUG, seed_demo  # noqa: E402
from core.models import Organization  # noqa: E402
from core.roles import Role, has_capability  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "oqim-demo-pass"
# Whose page each is in the demo: the first of these roles that may open it.
ROLES = ("manager", "cashier", "customer", "agent", "admin")

# Installed before any page script: when the badge first says "live", and every frame's length.
PROBE = """
(() => {
  const watch = new MutationObserver(() => {
    const badge = document.getElementById("live-state");
    if (badge && badge.dataset.state === "live" && !window.__liveAt) window.__liveAt = performance.now();
  });
  watch.observe(document, { subtree: true, attributes: true, attributeFilter: ["data-state"], childList: true });
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
  }).observe({ entryTypes: ["longtask"] });
  window.__frames = null;
  window.__recordFrames = () => {
    window.__frames = [];
    let last = performance.now();
    const tick = (now) => {
      if (window.__frames === null) return;
      window.__frames.push(now - last);
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  };
})();
"""


def django(fn, *args):  # type: ignore[no-untyped-def]
    """Run ``fn`` in a thread: Playwright's sync API keeps an event loop running on this one,
    where Django refuses database calls."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def ms(values: list[float], p: float) -> float:
    return round(percentile(values, p), 1) if values else 0.0


def role_for(capability: str) -> str:
    return next(role for role in ROLES if has_capability(role, capability))


class Console:
    """The browser: one signed-in context per demo login (the login form is throttled), a new
    tab per page with the browser cache emptied, so every page is measured cold."""

    def __init__(self, playwright, base: str) -> None:  # type: ignore[no-untyped-def]
        self.base = base
        self.browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"],
        )
        self.contexts: dict = {}

    def page(self, username: str):  # type: ignore[no-untyped-def]
        context = self.contexts.get(username)
        if context is None:
            context = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
            context.add_init_script(PROBE)
            login = context.new_page()
            login.goto(self.base + "/console/login/")
            login.fill("input[name=username]", username)
            login.fill("input[name=password]", PASSWORD)
            login.click("button.primary")
            login.wait_for_function("() => !location.pathname.endsWith('/login/')")
            login.close()
            self.contexts[username] = context
        page = context.new_page()
        context.new_cdp_session(page).send("Network.clearBrowserCache")
        return page

    def render(self, page, slug: str) -> dict:  # type: ignore[no-untyped-def]
        """Open a page and wait for its first complete render: live, and every REST answer in."""
        page.goto(f"{self.base}/console/{slug}/")
        page.wait_for_function("() => window.__liveAt !== undefined", timeout=30000)
        page.wait_for_load_state("networkidle")
        return page.evaluate(
            """() => {
              const api = performance.getEntriesByType("resource").filter((e) => e.name.includes("/api/"));
              return {
                live: window.__liveAt,
                ready: Math.max(window.__liveAt, ...api.map((e) => e.responseEnd)),
                requests: api.length,
                heap_mb: performance.memory ? performance.memory.usedJSHeapSize / 1048576 : 0,
              };
            }"""
        )


def pages_phase(console: Console) -> dict:
    results: dict = {}
    for page_def in sorted(PAGES.values(), key=lambda p: (p.order, p.slug)):
        page = console.page(f"demo-{role_for(page_def.capability)}")
        found = console.render(page, page_def.slug)
        page.close()
        results[f"{page_def.slug}_live_ms"] = round(found["live"])
        results[f"{page_def.slug}_ready_ms"] = round(found["ready"])
        print(f"page {page_def.slug}: {found}", flush=True)
    results["page_ready_max_ms"] = max(v for k, v in results.items() if k.endswith("_ready_ms"))
    return results


def add_meals(count: int) -> None:
    """``count`` meals of three demo ingredients each, through the kitchen's service."""
    tenant = Organization.objects.get(slug=DEMO_SLUG)
    products = stock.products_of(tenant)
    recipes = [[(products[(n + i) % len(products)], 1 + (n + i) % 5) for i in range(3)] for n in range(count)]
    kitchen.meals(tenant, recipes, prefix="Meal")


def kitchen_phase(console: Console, serves: int) -> dict:
    meal = django(lambda: kitchen.meal_named(Organization.objects.get(slug=DEMO_SLUG), "Palov"))
    manager = console.page("demo-manager")
    found = console.render(manager, "kitchen")
    cards = manager.locator(".meal").count()
    cook = console.page("demo-cook")
    console.render(cook, "kitchen")
    # The manager's page notes the time each time Palov's count changes.
    manager.evaluate(
        """(id) => {
          window.__changes = [];
          const count = document.querySelector(`[data-meal="${id}"] output`);
          new MutationObserver(() => window.__changes.push([Date.now(), count.dataset.value]))
            .observe(count, { attributes: true, attributeFilter: ["data-value"] });
        }""",
        meal.pk,
    )
    latencies = []
    for n in range(serves):
        tapped = cook.evaluate(
            """(id) => {
              document.querySelector(`[data-meal="${id}"] button`).click();
              return Date.now();
            }""",
            meal.pk,
        )
        manager.wait_for_function("(n) => window.__changes.length > n", arg=n, timeout=15000)
        changed_at = manager.evaluate("(n) => window.__changes[n][0]", n)
        latencies.append(changed_at - tapped)
        time.sleep(0.3)
    final = manager.evaluate(f"document.querySelector('[data-meal=\"{meal.pk}\"] output').dataset.value")
    cook_view = cook.evaluate(f"document.querySelector('[data-meal=\"{meal.pk}\"] output').dataset.value")
    manager.close()
    cook.close()
    return {
        "kitchen_meals": cards,
        "full_kitchen_live_ms": round(found["live"]),
        "full_kitchen_ready_ms": round(found["ready"]),
        "full_kitchen_heap_mb": round(found["heap_mb"], 1),
        "serves": serves,
        "serve_to_manager_p50_ms": ms(latencies, 0.5),
        "serve_to_manager_p95_ms": ms(latencies, 0.95),
        "serve_to_manager_max_ms": round(max(latencies)),
        "pages_agree": final == cook_view,
    }


def map_phase(console: Console, args: argparse.Namespace, webs: list[Server]) -> dict:
    def agents() -> list[str]:
        return people.tokens(people.members(Organization.objects.get(slug=DEMO_SLUG), Role.AGENT, args.agents))

    tokens = django(agents)
    manager = console.page("demo-manager")
    console.render(manager, "map")
    received = {"frames": 0, "entries": 0}

    def count(payload: str | bytes) -> None:
        frame = json.loads(payload)
        if frame.get("type") == "event" and frame["event"]["type"] == "agent.location_recorded":
            received["frames"] += 1
            received["entries"] += len(frame["event"]["data"]["agents"])

    # The socket is already open: count from a fresh one the page opens on a reload.
    manager.on("websocket", lambda ws: ws.on("framereceived", count))
    manager.reload()
    manager.wait_for_function("() => window.__liveAt !== undefined", timeout=30000)
    addresses = [w.address for w in webs]
    phones = sockets.spawn("phones", addresses=addresses, tokens=tokens, rate=args.rate, batch=1, seconds=args.seconds)
    manager.evaluate("window.__longTasks = []; window.__recordFrames()")
    sockets.go(phones)
    began = time.monotonic()
    while phones.process.poll() is None and time.monotonic() - began < args.seconds + 120:
        manager.wait_for_timeout(500)  # lets Playwright deliver the socket frames it saw
    manager.wait_for_timeout(2000)  # the last points drawn
    figures = manager.evaluate(
        """() => {
          const frames = window.__frames;
          window.__frames = null;
          return {
            frames,
            long_tasks: window.__longTasks,
            rows: document.querySelectorAll("#agents tr[data-lat]").length,
            heap_mb: performance.memory ? performance.memory.usedJSHeapSize / 1048576 : 0,
          };
        }"""
    )
    manager.close()
    sent = phones.figures()
    frames = figures["frames"][1:]  # the first one spans the evaluate call
    return {
        "agents": args.agents,
        "target_rate": args.rate,
        "accepted_per_s": round(sent["acked"] / sent["elapsed"]),
        "map_frames": len(frames),
        "map_fps": round(len(frames) / (sum(frames) / 1000), 1) if frames else 0,
        "frame_p50_ms": ms(frames, 0.5),
        "frame_p95_ms": ms(frames, 0.95),
        "frame_p99_ms": ms(frames, 0.99),
        "frame_max_ms": round(max(frames, default=0)),
        "long_tasks": len(figures["long_tasks"]),
        "long_task_max_ms": round(max(figures["long_tasks"], default=0)),
        "agents_drawn": figures["rows"],
        "live_frames": received["frames"],
        "live_positions": received["entries"],
        "map_heap_mb": round(figures["heap_mb"], 1),
    }


def browse(args: argparse.Namespace, webs: list[Server], report: Report) -> None:
    from playwright.sync_api import sync_playwright

    skip = cli.phases(args.skip)
    with sync_playwright() as playwright:
        console = Console(playwright, webs[0].url)
        if "pages" not in skip:
            report.add(pages_phase(console))
        if "kitchen" not in skip:
            django(add_meals, args.meals)
            found = report.phase("kitchen", kitchen_phase(console, args.serves))
            report.check("the cook's and the manager's pages agree", found["pages_agree"])
        if "map" not in skip:
            found = report.phase("map", map_phase(console, args, webs))
            report.check("the map drew every agent", found["agents_drawn"] >= args.agents, found["agents_drawn"])
        console.browser.close()


def main() -> None:
    parser = cli.Parser(__doc__)
    parser.size("--agents", full=1000, smoke=20)
    parser.size("--rate", full=2000, smoke=40, help="points/s the phones send")
    parser.size("--seconds", full=20.0, smoke=2.0, type=float)
    parser.size("--meals", full=500, smoke=10, help="meals added to the demo kitchen")
    parser.size("--serves", full=20, smoke=2)
    parser.add_argument("--skip", default="", help="comma-separated phases to skip: pages,kitchen,map")
    args = parser.parse()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    environment.fresh()
    people.organizations(1)  # a bench organization the pages never see
    seed_demo()
    report = Report()
    if not args.fresh:
        report.add(livedin.build(Organization.objects.get(slug=DEMO_SLUG).pk, smoke=args.smoke))
    with Servers() as servers:
        webs = servers.web(2)
        servers.worker()
        servers.scheduler()
        browse(args, webs, report)
    report.emit(expect=["page_ready_max_ms"] if "pages" not in cli.phases(args.skip) else [])


if __name__ == "__main__":
    main()
