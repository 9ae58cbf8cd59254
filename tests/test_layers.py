"""Imports point down only (DESIGN.md § Layers), and the worker holds no database code.

Read from the source, not a hand list of modules: a new module that imports upwards fails
here the moment it is written.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import betteruptime

PACKAGE = Path(betteruptime.__file__).parent
ROLES = {"scheduler", "worker", "ingester", "notifier"}
TOP = {"cli", "runtime"}
HTTP = {"api", "web"}
# What each package may never import: the floors above it.
FORBIDDEN: dict[str, set[str]] = {
    "domain": TOP | HTTP | ROLES | {"services", "schemas", "db", "transport", "probes", "mail"},
    "schemas": TOP | HTTP | ROLES | {"services", "config_as_code"},
    "db": TOP | HTTP | ROLES | {"services", "schemas", "config_as_code"},
    "transport": TOP | HTTP | ROLES | {"services", "schemas", "db", "config_as_code"},
    "probes": TOP | HTTP | ROLES | {"services", "schemas", "db", "config_as_code"},
    "alerting": TOP | HTTP | ROLES | {"services", "schemas", "db", "config_as_code"},
    "mail": TOP | HTTP | ROLES | {"services", "schemas", "db", "config_as_code"},
    "services": TOP | HTTP | ROLES | {"config_as_code"},
    "retention": TOP | HTTP | ROLES | {"services", "config_as_code"},
    "scheduler": TOP | HTTP | {"config_as_code"},
    "worker": TOP | HTTP | {"services", "schemas", "db", "config_as_code"},
    "ingester": TOP | HTTP | {"config_as_code"},
    "notifier": TOP | HTTP | {"config_as_code"},
    "api": TOP | {"web"},
    "web": TOP,
    "config_as_code": TOP | HTTP,
    "auth": TOP | HTTP | ROLES | {"services", "schemas", "db", "config_as_code"},
    "runtime": {"cli"},
}


def _imported_packages(path: Path) -> set[str]:
    """The betteruptime sub-packages a module imports (at any depth, TYPE_CHECKING too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "betteruptime" and len(parts) > 1:
                found.add(parts[1])
    return found


def _violations() -> list[str]:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if len(relative.parts) < 2 or "migrations" in relative.parts:
            continue
        forbidden = FORBIDDEN.get(relative.parts[0], set())
        for imported in sorted(_imported_packages(path) & forbidden):
            problems.append(f"{relative} imports betteruptime.{imported}")
    return problems


def test_imports_point_down_only() -> None:
    assert _violations() == []


def test_every_package_has_a_floor() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages <= FORBIDDEN.keys(), "add the new package to FORBIDDEN"


@pytest.mark.parametrize(
    "module", ["betteruptime.worker.service", "betteruptime.transport.rabbitmq"]
)
def test_the_worker_loads_no_database_code(module: str) -> None:
    probe = (
        f"import sys, {module}, betteruptime.probes.registry; "
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'asyncpg', "
        "'aiosqlite') or m.startswith(('betteruptime.db', 'betteruptime.services'))]; "
        "print(','.join(sorted(loaded)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
