"""The test-only domain's console page in a real browser, as a cook holds a phone, in Russian:
the shell lists it in the navigation by its translated title, the page's own ES module loads its
list over REST and adds what is logged elsewhere live."""

from __future__ import annotations

import json
import urllib.request

from playwright.sync_api import expect

from tests.browsers import PASSWORD, Oqim, require_browser

require_browser()

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _post(oqim: Oqim, path: str, data: dict, token: str | None = None) -> dict:
    request = urllib.request.Request(oqim.base + path, data=json.dumps(data).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_a_cook_finds_the_page_in_the_navigation_and_sees_things_found_live(tab, oqim):  # type: ignore[no-untyped-def]
    cook = tab("demo-cook", locale="ru-RU", **PHONE)
    cook.page.get_by_role("button", name="Меню").click()  # a phone: the pages are behind the menu
    nav = cook.page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Бюро находок")).to_be_visible()
    nav.get_by_role("link", name="Бюро находок").click()
    expect(cook.page.get_by_role("heading", name="Бюро находок")).to_be_visible()
    expect(cook.page.locator("#live-state")).to_have_attribute("data-state", "live", timeout=15000)
    token = _post(oqim, "/api/auth/login/", {"username": "demo-cook", "password": PASSWORD})["access"]
    _post(oqim, "/api/lostfound/items/", {"description": "Kulrang qalpoq", "valuable": True}, token)
    found = cook.page.get_by_role("list", name="Найденные вещи").get_by_role("listitem")
    expect(found.first).to_contain_text("Kulrang qalpoq · ценная")
    cook.shot("lostfound-cook-ru-phone")
