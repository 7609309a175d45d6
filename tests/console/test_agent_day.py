# ruff: noqa: RUF001 (Uzbek and Russian words, as the person reads them)
"""The field agent's day on a phone, in Uzbek and in Russian: the route comes first, a visit is
checked in, its checklist answered, the outcome chosen and checked out, and the next one opens."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
WORDS = {
    "uz": {
        "route": "Bugungi yoʻnalish",
        "location": "Mening joylashuvim",
        "check_in": "Kelganini belgilash",
        "check_out": "Ketganini belgilash",
        "answer_first": "Avval toʻldiring: Peshtaxta tekshirildi.",
        "required": "Peshtaxta tekshirildi (majburiy)",
        "saved": "Saqlandi",
        "outcome": "Tashrif natijasi",
        "checked_in": "Joyida",
        "checked_out": "Yakunlangan",
    },
    "ru": {
        "route": "Маршрут на сегодня",
        "location": "Моё местоположение",
        "check_in": "Отметить прибытие",
        "check_out": "Отметить уход",
        "answer_first": "Сначала заполните: Peshtaxta tekshirildi.",
        "required": "Peshtaxta tekshirildi (обязательно)",
        "saved": "Сохранено",
        "outcome": "Итог визита",
        "checked_in": "На месте",
        "checked_out": "Завершён",
    },
}


@pytest.mark.parametrize("language", ["uz", "ru"])
def test_an_agent_finishes_a_visit_on_a_phone(tab, language):  # type: ignore[no-untyped-def]
    words = WORDS[language]
    agent = tab("demo-agent", locale=language, **PHONE)
    agent.open("agent")
    page = agent.page

    # The route is the first thing on the screen, above the location and the tracker apps.
    route = page.get_by_role("heading", name=words["route"])
    expect(route).to_be_in_viewport()
    assert route.bounding_box()["y"] < page.get_by_role("heading", name=words["location"]).bounding_box()["y"]

    check_in = page.get_by_role("button", name=re.compile(f"^{words['check_in']}: "))
    expect(check_in.first).to_be_visible()
    client = check_in.first.get_attribute("aria-label").split(": ", 1)[1]
    visit = page.get_by_role("listitem", name=client)
    check_in.first.click()
    expect(visit.get_by_text(words["checked_in"], exact=True)).to_be_visible()

    # Checked in, the visit offers its check-out; with the required step unanswered it is refused
    # in words, next to the button, on screen.
    check_out = visit.get_by_role("button", name=f"{words['check_out']}: {client}")
    check_out.click()
    refusal = visit.get_by_role("alert")
    expect(refusal).to_have_text(words["answer_first"])
    expect(refusal).to_be_in_viewport()

    visit.get_by_label(words["required"]).check()
    expect(visit.get_by_text(words["saved"])).to_be_visible()
    expect(refusal).to_have_count(0)  # answered: the refusal is gone
    visit.get_by_label(words["outcome"]).select_option(label="Buyurtma olindi")
    agent.shot(f"agent-visit-open-{language}")
    check_out.click()
    expect(visit.get_by_text(words["checked_out"], exact=True)).to_be_visible()
    expect(visit).to_contain_text("Buyurtma olindi")

    # After a reload the day is as left: the visit done, the next one can be checked in.
    page.reload()
    expect(page.get_by_role("listitem", name=client).get_by_text(words["checked_out"], exact=True)).to_be_visible()
    agent.shot(f"agent-route-{language}")
