"""Which failures mean "the database cannot serve now" (wait and try again) and which
mean "these values cannot succeed" (set the work aside), from real errors of both
engines."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from betteruptime.db.errors import unavailable
from betteruptime.db.models import Notification
from betteruptime.db.session import create_engine
from betteruptime.db.types import utcnow
from testkit.waiting import free_port


async def error_of(engine: AsyncEngine, statement: str) -> BaseException:
    with pytest.raises(Exception) as caught:
        async with engine.begin() as connection:
            await connection.execute(text(statement))
    return caught.value


async def test_a_refused_connection_is_the_database_being_away() -> None:
    engine = create_engine(f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    try:
        assert unavailable(await error_of(engine, "SELECT 1"))
    finally:
        await engine.dispose()


async def test_a_missing_table_is_the_database_not_ready_not_the_values(
    engine: AsyncEngine,
) -> None:
    assert unavailable(await error_of(engine, "SELECT * FROM no_such_table"))


async def test_refused_values_are_the_statement_s_fault(engine: AsyncEngine) -> None:
    # A NOT NULL column left empty: an integrity error on both engines.
    refused = await error_of(engine, "INSERT INTO notifications (channel_id) VALUES (1)")
    assert not unavailable(refused)
    if engine.dialect.name == "postgresql":
        assert not unavailable(await error_of(engine, "SELECT 1 / 0"))


async def test_a_value_refused_before_reaching_the_database_is_its_own_fault(
    engine: AsyncEngine,
) -> None:
    from sqlalchemy import insert

    naive = utcnow().replace(tzinfo=None)
    with pytest.raises(Exception) as caught:
        async with engine.begin() as connection:
            await connection.execute(
                insert(Notification).values(
                    channel_id=1, key="k", kind="down", next_attempt_at=naive, created_at=naive
                )
            )
    assert not unavailable(caught.value)


def test_a_model_that_does_not_validate_is_not_the_database() -> None:
    class Thing(BaseModel):
        name: str

    with pytest.raises(ValidationError) as caught:
        Thing.model_validate({"name": None})
    assert not unavailable(caught.value)
    assert unavailable(ConnectionResetError()) and unavailable(TimeoutError())
