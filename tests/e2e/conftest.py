"""`betteruptime up` as a user runs it, for the end-to-end tests: one `product` fixture.

A test module that needs other settings overrides `product_env` (a fixture of its own
with that name), and may take other fixtures there, such as a CA to trust.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from testkit.api import embedded_product
from testkit.processes import BetterUptimeProcess


@dataclass(frozen=True)
class Product:
    """A running `betteruptime up`: its process, its base URL and its SQLite file."""

    process: BetterUptimeProcess
    base: str
    database: Path


@pytest.fixture
def product_env() -> dict[str, str]:
    """Environment variables for `product` beyond testkit's (port, database, 1 s checks)."""
    return {}


@pytest.fixture
async def product(tmp_path: Path, product_env: dict[str, str]) -> AsyncIterator[Product]:
    """`betteruptime up` in a subprocess on a free port with its own SQLite file. Unless
    the test stopped it, it must stop cleanly afterwards, without a traceback logged."""
    async with embedded_product(tmp_path, **product_env) as (process, base):
        yield Product(process, base, tmp_path / "betteruptime.db")
        if process.running():
            assert process.stop() == 0, process.log()
        assert "Traceback" not in process.log(), process.log()
