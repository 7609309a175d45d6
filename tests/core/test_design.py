"""The console's colours keep WCAG AA contrast (4.5:1 for text): every pair the design system
pairs (docs/console.md, "The design system"), read from the stylesheet itself, so a colour
changed there is judged here."""

from __future__ import annotations

import re

import pytest

from tests.browsers import ROOT

CSS = (ROOT / "core/console/static/console/console.css").read_text()


def _tokens() -> dict[str, str]:
    root = re.search(r":root\s*{(.*?)}", CSS, re.S)
    assert root
    return {name: _full(value) for name, value in re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", root.group(1))}


def _full(colour: str) -> str:
    """#fff as #ffffff."""
    colour = colour.strip()
    return "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour


def _rule(selector: str) -> dict[str, str]:
    found = re.search(re.escape(selector) + r"\s*{([^}]*)}", CSS)
    assert found, selector
    tokens = _tokens()
    values = dict(re.findall(r"(background|color):\s*([^;]+);", found.group(1)))
    return {k: tokens[v[6:-1]] if v.startswith("var(--") else _full(v) for k, v in values.items()}


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_is_wcags():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # the lightest grey AA allows on white


@pytest.mark.parametrize("text", ["ink", "muted", "brand", "warn", "bad", "good", "focus"])
@pytest.mark.parametrize("surface", ["card", "bg"])
def test_every_text_colour_reads_on_every_surface(text, surface):  # type: ignore[no-untyped-def]
    tokens = _tokens()
    assert contrast(tokens[text], tokens[surface]) >= 4.5, (text, surface)


@pytest.mark.parametrize("selector", [".tag", ".tag.good", ".tag.bad", ".tag.warn", ".notice", ".bar"])
def test_tags_toasts_and_the_bar_read(selector):  # type: ignore[no-untyped-def]
    rule = _rule(selector)
    colour = rule.get("color", _tokens()["ink"])
    assert contrast(colour, rule["background"]) >= 4.5, (selector, rule)


@pytest.mark.parametrize("kind", ["error", "ok"])
def test_toasts_of_each_kind_read(kind):  # type: ignore[no-untyped-def]
    rule = _rule(f'.notice[data-kind="{kind}"]')
    assert contrast("#ffffff", rule["background"]) >= 4.5
