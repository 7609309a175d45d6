"""Docs an integrator reads must match the code."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_committed_openapi_matches_the_code(openapi_schema):
    committed = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
    assert openapi_schema == committed, "run `make openapi` and commit docs/openapi.yaml"


def test_readme_configuration_table_names_every_environment_variable():
    sources = [ROOT / "core" / "settings.py", ROOT / "core" / "config.py"]
    for package in ("core", "realtime", "workers", "domains"):
        sources += (ROOT / package).rglob("conf.py")  # each app's own settings
    settings_source = "".join(path.read_text() for path in sources)
    import re

    names = set(re.findall(r'env\.\w+\("([A-Z_]+)"', settings_source))
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert not missing, f"README configuration table lacks {missing}"


def test_operations_lists_every_periodic_job():
    from workers.registry import PERIODIC_JOBS, discover_actors

    discover_actors()
    text = (ROOT / "docs" / "operations.md").read_text()
    missing = sorted(name for name in PERIODIC_JOBS if f"`{name}`" not in text)
    assert not missing, f"docs/operations.md's periodic jobs lack {missing}"


def test_the_console_guide_shows_every_page_on_a_phone_and_a_desktop():
    from core.console.pages import PAGES
    from tests.declared import shipped

    guide = (ROOT / "docs" / "console.md").read_text()
    for slug in shipped(PAGES):
        for size in ("phone", "desktop"):
            shot = f"console/pages/{slug}-uz-{size}.png"
            assert f"({shot})" in guide and (ROOT / "docs" / shot).is_file(), shot
