# ruff: noqa: RUF001 (Russian words, as the person reads them)
"""What a person on a phone must be able to trust: a refusal is said where they are looking, and
the live badge says when the page is not live any more, and for how long."""

from __future__ import annotations

import re

from playwright.sync_api import expect

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_a_cook_sees_why_a_serve_was_refused_on_screen(tab):  # type: ignore[no-untyped-def]
    cook = tab("demo-cook", locale="ru", **PHONE)
    cook.open("kitchen")
    serve = cook.page.get_by_role("button", name="Выдать: Tovuqli shoʻrva")
    serve.scroll_into_view_if_needed()  # the meal is below the first screen: the page scrolls
    cook.page.get_by_label("Сколько порций выдать").nth(3).fill("10000")  # the soup: fourth by name
    serve.click()
    refusal = cook.page.get_by_role("alert")
    expect(refusal).to_contain_text("Не хватает продуктов для блюда «Tovuqli shoʻrva».")
    expect(refusal).to_be_in_viewport()
    cook.shot("cook-refused-ru")


def test_the_live_badge_says_offline_and_for_how_long(tab):  # type: ignore[no-untyped-def]
    cook = tab("demo-cook", locale="ru", **PHONE)
    cook.open("kitchen")
    badge = cook.page.locator("#live-state")
    expect(badge).to_have_text("В эфире")
    cook.context.set_offline(True)
    expect(badge).to_have_text("Нет сети", timeout=5000)  # at once, not when the socket notices
    expect(badge).to_have_text(re.compile(r"^Нет сети · \d+ с$"), timeout=20000)
    cook.shot("live-offline-ru")
    cook.context.set_offline(False)
    expect(badge).to_have_text("В эфире", timeout=30000)


def test_sums_read_as_uzbek_and_russian_write_them(tab):  # type: ignore[no-untyped-def]
    # Chromium's ICU has no Uzbek numbers: left to it, 1234567 shows as "1,234,567".
    for language, words in (("uz", ("Tushum", "soʻm")), ("ru", ("Выручка", "сум"))):
        owner = tab("demo-admin", locale=language)
        owner.open("shop-reports")
        revenue = owner.page.locator("dt", has_text=words[0]).locator("xpath=following-sibling::dd[1]")
        expect(revenue).to_have_text(re.compile(rf"^\d{{1,3}}(\u00a0\d{{3}})* {words[1]}$"))
        assert int(re.sub(r"\D", "", revenue.inner_text())) >= 1000  # grouped, so it had a group


def test_every_page_fits_a_phone_and_its_menu_opens(tab):  # type: ignore[no-untyped-def]
    from core.console.pages import PAGES
    from tests.declared import shipped

    admin = tab("demo-admin", locale="ru", **PHONE)
    for slug in shipped(PAGES):
        admin.open(slug)
        admin.page.wait_for_load_state("networkidle")
        # Nothing makes the page scroll sideways: wide tables scroll inside their card.
        width = admin.page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, (slug, width)
        admin.shot(f"phone-{slug}-ru")
    # The bar is one line on a phone; the pages are behind Menu.
    bar = admin.page.locator("#bar")
    assert bar.bounding_box()["height"] < 70
    expect(admin.page.get_by_role("link", name="Кухня")).to_be_hidden()
    admin.page.get_by_role("button", name="Меню").click()
    admin.page.get_by_role("link", name="Кухня").click()
    expect(admin.page.get_by_role("heading", level=1)).to_have_text("Кухня")
