"""The rooms and doors of docs/architecture.md, held by the build: import contracts, no hidden
imports, small functions and modules (the benchmarks' too)."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "realtime", "workers", "domains")
BENCH = "bench"
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 450

# Entry points for whoever starts the project (`daphne asgi:application`, `python manage.py`).
# They import the layers; nothing in the layers imports them back.
ENTRY_POINTS = ("asgi", "manage")


def allowed_late(name: str, function: str) -> bool:
    # The one reason an import may sit inside a function: Django's ``AppConfig.ready`` in an app's
    # ``apps.py`` (signal receivers, followers and registries load once the apps are). The web
    # command needs none: daphne's AppConfig, first in INSTALLED_APPS, installs Twisted's reactor
    # while Django is set up, before any command module loads (realtime/server/protocols.py).
    return name.endswith("/apps.py") and function == "ready"


def imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return []


def sources(packages: tuple[str, ...] = PACKAGES) -> list[tuple[str, ast.Module, int]]:
    found = []
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            text = path.read_text()
            found.append((path.relative_to(ROOT).as_posix(), ast.parse(text), len(text.splitlines())))
    return found


def functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_import_contracts_hold():
    # pyproject.toml [tool.importlinter]: layers, doors between domains, reads never importing
    # writes, no cycles between a package's modules.
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_first_party_imports_sit_at_module_level():
    late = set()
    for name, tree, _ in sources():
        for function in functions(tree):
            for node in ast.walk(function):
                if any(target.split(".")[0] in (*PACKAGES, *ENTRY_POINTS) for target in imported(node)):
                    late.add((name, function.name))
    assert {(name, function) for name, function in late if not allowed_late(name, function)} == set()


def test_no_arrow_runs_back_up_to_an_entry_point():
    # import-linter sees only the four packages; the top-level modules are checked here.
    upward = [
        f"{name}:{node.lineno} imports {target}"
        for name, tree, _ in sources()
        for node in ast.walk(tree)
        for target in imported(node)
        if target.split(".")[0] in ENTRY_POINTS
    ]
    assert upward == []


def test_no_function_is_long():
    long = [
        f"{name}:{function.lineno} {function.name} ({function.end_lineno - function.lineno + 1} lines)"
        for name, tree, _ in sources((*PACKAGES, BENCH))
        for function in functions(tree)
        if function.end_lineno - function.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_no_module_is_long():
    long = [f"{name} ({lines} lines)" for name, _, lines in sources((*PACKAGES, BENCH)) if lines > MAX_MODULE_LINES]
    assert long == []


def test_benches_reach_a_domains_insides_only_through_its_harness_module():
    # bench/harness/domains/<name>.py is the one bench module that imports domains.<name>'s
    # models, services and selectors, and it imports no other domain's: a domain split or renamed
    # is followed there, in one small module (bench/harness/domains/__init__.py).
    found = []
    for name, tree, _ in sources((BENCH,)):
        path = name.split("/")
        own = path[-1].removesuffix(".py") if path[:3] == ["bench", "harness", "domains"] else None
        for node in ast.walk(tree):
            for target in imported(node):
                parts = target.split(".")
                if parts[0] == "domains" and (len(parts) < 2 or parts[1] != own):
                    found.append(f"{name}:{node.lineno} imports {target}")
    assert found == []


DOOR_ARROW = re.compile(r'"domains\.(\w+)\.\*\* -> domains\.(\w+)\.api"')


def declared_arrows_in_docs() -> set[tuple[str, str]]:
    """The rows of docs/architecture.md's table of arrows between domains: | from | to | for |."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    table = text.split("| from | through the door of | for |", 1)[1].split("\n\n", 1)[0]
    rows = [line.split("|")[1:3] for line in table.strip().splitlines()[1:]]
    return {(source.strip(), target.strip()) for source, target in rows}


def test_the_architecture_doc_and_the_contracts_declare_the_same_arrows():
    contracts = set(DOOR_ARROW.findall((ROOT / "pyproject.toml").read_text()))
    assert declared_arrows_in_docs() == contracts


def test_doors_export_rows_functions_and_plain_data_never_wire_formats():
    from rest_framework import serializers

    for door in sorted((ROOT / "domains").glob("*/api.py")):
        module = importlib.import_module(f"domains.{door.parent.name}.api")
        for name in module.__all__:
            value = getattr(module, name)
            wire = isinstance(value, serializers.Field) or (
                isinstance(value, type) and issubclass(value, serializers.Field)
            )
            assert not wire, f"{door.parent.name}.api exports the wire format {name}"


def foreign_names(tree: ast.Module, own: str) -> tuple[set[str], set[str]]:
    """Names imported from other domains' doors, and other domains' doors imported as modules."""
    names, doors = set(), set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("domains.")):
            continue
        parts = node.module.split(".")
        if parts[1] == own:
            continue
        if parts[2:] == ["api"]:
            names |= {alias.asname or alias.name for alias in node.names}
        elif len(parts) == 2:
            doors |= {alias.asname or alias.name for alias in node.names if alias.name == "api"}
    return names, doors


def test_no_domain_queries_another_domains_tables():
    # Another domain's rows are read through its door's functions; a serializer may still name a
    # foreign-key target's rows to check an id it was given (a recipe's product).
    found = []
    for name, tree, _ in sources():
        parts = name.split("/")
        if parts[0] != "domains" or parts[-1] == "serializers.py":
            continue
        names, doors = foreign_names(tree, parts[1])
        text = (ROOT / name).read_text()
        pattern = "|".join([*(rf"\b{n}" for n in names), *(rf"\b{d}\.\w+" for d in doors)]) or r"(?!)"
        found += [f"{name}: {m.group(0)}" for m in re.finditer(rf"(?:{pattern})\.(?:all_)?objects\b", text)]
    assert found == []


DOMAIN_WORDS = re.compile(r"\b(kitchen|meal|till|sale|visit|geofence|onec|catalog)\b", re.IGNORECASE)


def test_the_lower_layers_name_no_domain():
    # Settings list the installed apps by name; migrations and translations are generated.
    found = []
    for layer in ("core", "realtime", "workers"):
        for path in sorted((ROOT / layer).rglob("*")):
            if (
                not path.is_file()
                or {"migrations", "locale", "vendor"} & set(path.parts)
                or path.suffix in {".mo", ".pyc"}
            ):
                continue
            for number, line in enumerate(path.read_text(errors="ignore").splitlines(), start=1):
                if DOMAIN_WORDS.search(line) and not (path.name == "settings.py" and '"domains.' in line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
