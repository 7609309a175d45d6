# ruff: noqa: RUF001 (Uzbek words, as the cashier reads them)
"""The cashier's till on a phone, in Uzbek: the branch they are assigned to, products with their
prices, a barcode scanner, the cart's amounts, total and change due, a sale that lowers the stock
shown, and a return that asks first."""

from __future__ import annotations

import re

from playwright.sync_api import expect

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SOM = re.compile(r"^\d{1,3}(\u00a0\d{3})* soʻm$")


def som(text: str) -> int:
    assert SOM.match(text), text
    return int(re.sub(r"\D", "", text))


def test_a_cashier_sells_scans_gives_change_and_returns_on_a_phone(tab):  # type: ignore[no-untyped-def]
    cashier = tab("demo-cashier", locale="uz", **PHONE)
    cashier.open("till")
    page = cashier.page
    # Assigned to one branch only: nothing to choose, and its stock loads (no 403, no empty list).
    expect(page.get_by_label("Filial")).to_be_hidden()
    tea = page.get_by_role("button", name="Qoʻshish: Koʻk choy 100 g")
    expect(tea).to_contain_text("14\u00a0000 soʻm")
    tea_left = int(re.search(r"(\d+) dona", tea.inner_text()).group(1))

    # A scanner types the barcode and Enter, with no field focused.
    page.locator("h1").click()
    page.keyboard.type("4780001000031", delay=5)
    page.keyboard.press("Enter")
    cart = page.get_by_role("list", name="Savat")
    expect(cart.get_by_role("listitem", name="Non")).to_be_visible()
    tea.click()
    page.get_by_role("button", name="Bittaga koʻpaytirish: Koʻk choy 100 g").click()
    expect(page.get_by_label("Koʻk choy 100 g summasi")).to_have_text("28\u00a0000 soʻm")
    total = som(page.locator("#total").inner_text())
    assert total == 2 * 14000 + 4000

    page.get_by_label("Olingan naqd pul").fill("20000")
    expect(page.locator("#change")).to_have_text("Yetmaydi: 12\u00a0000 soʻm")
    page.get_by_label("Olingan naqd pul").fill("50000")
    expect(page.locator("#change")).to_have_text("Qaytim: 18\u00a0000 soʻm")
    cashier.shot("till-cart-uz")
    page.get_by_role("button", name="Sotuvni yozish").click()
    expect(page.get_by_text(re.compile(r"sotuv yozildi: 32\u00a0000 soʻm. Qaytim: 18\u00a0000 soʻm"))).to_be_visible()
    expect(tea).to_contain_text(f"{tea_left - 2} dona")  # the stock shown follows the sale
    expect(cart).to_contain_text("Mahsulotni bosing yoki shtrix-kodini skanerlang.")

    # A return asks what goes back, and "keep the sale" changes nothing.
    sale = page.locator("#recent li").first
    sale.get_by_role("button", name=re.compile("sotuvdan qaytarish")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Qaytariladi: 32\u00a0000 soʻm")
    dialog.get_by_role("button", name="Sotuvni qoldirish").click()
    expect(dialog).to_be_hidden()
    expect(sale).not_to_contain_text("qaytarilgan")
    sale.get_by_role("button", name=re.compile("sotuvdan qaytarish")).click()
    dialog.get_by_label(re.compile("^Non: nechtasi qaytadi")).fill("0")
    dialog.get_by_label(re.compile("^Koʻk choy 100 g: nechtasi qaytadi")).fill("1")
    expect(dialog).to_contain_text("Qaytariladi: 14\u00a0000 soʻm")
    cashier.shot("till-return-uz")
    dialog.get_by_role("button", name="Pulni qaytarish").click()
    expect(sale).to_contain_text("14\u00a0000 soʻm qaytarilgan")
    expect(tea).to_contain_text(f"{tea_left - 1} dona")
