"""The rooms and doors of docs/architecture.md, held by the build: import contracts, no hidden
imports, small functions and modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "realtime", "workers", "domains")
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 450

# Imports inside a function, each for a reason other than dodging a cycle: Django's
# ``AppConfig.ready`` (signal receivers and registries load once the apps are), and the web
# command, which must install Twisted's reactor before anything else and only then load the app.
LATE_IMPORTS_ALLOWED = {
    ("core/apps.py", "ready"),
    ("workers/apps.py", "ready"),
    ("domains/kitchen/apps.py", "ready"),
    ("domains/locations/apps.py", "ready"),
    ("domains/shops/apps.py", "ready"),
    ("domains/webhooks/apps.py", "ready"),
    ("domains/notifications/apps.py", "ready"),
    ("realtime/management/commands/web.py", "handle"),
}


def sources() -> list[tuple[str, ast.Module, int]]:
    found = []
    for package in PACKAGES:
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
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    targets = [node.module]
                elif isinstance(node, ast.Import):
                    targets = [alias.name for alias in node.names]
                else:
                    continue
                if any(target.split(".")[0] in (*PACKAGES, "asgi") for target in targets):
                    late.add((name, function.name))
    assert late - LATE_IMPORTS_ALLOWED == set()


def test_no_function_is_long():
    long = [
        f"{name}:{function.lineno} {function.name} ({function.end_lineno - function.lineno + 1} lines)"
        for name, tree, _ in sources()
        for function in functions(tree)
        if function.end_lineno - function.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_no_module_is_long():
    long = [f"{name} ({lines} lines)" for name, _, lines in sources() if lines > MAX_MODULE_LINES]
    assert long == []
