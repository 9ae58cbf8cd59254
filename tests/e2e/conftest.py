from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from testkit.target import Target


@pytest.fixture
async def target() -> AsyncIterator[Target]:
    server = Target()
    await server.start()
    yield server
    await server.stop()
