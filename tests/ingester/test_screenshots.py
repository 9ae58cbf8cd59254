"""A browser check's failure screenshot is stored apart from its check, once, and goes
with the raw checks' retention and with its monitor."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from betteruptime.db.models import CheckScreenshot, Monitor
from betteruptime.db.session import SessionFactory
from betteruptime.domain.browser import SCREENSHOT_MAX_BYTES
from betteruptime.retention.prune import apply_retention
from betteruptime.services.monitors import delete_monitor
from ingester.test_store import ingest, result

MonitorFactory = Callable[..., Awaitable[int]]
IMAGE = b"\xff\xd8\xff\xe0" + b"jpeg" * 100


def failed_with(monitor_id: int, second: int, image: bytes | str | None):  # type: ignore[no-untyped-def]
    shot = base64.b64encode(image).decode() if isinstance(image, bytes) else image
    return result(monitor_id, second, up=False).model_copy(
        update={"screenshot": shot, "details": {"steps": [], "screenshot": True}}
    )


async def screenshots(sessions: SessionFactory) -> list[tuple[int, datetime, bytes]]:
    async with sessions() as session:
        rows = await session.execute(
            select(CheckScreenshot.monitor_id, CheckScreenshot.due_at, CheckScreenshot.image)
        )
        return [(m, d, i) for m, d, i in rows]


async def test_a_screenshot_is_stored_once_with_its_checks_key(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor()
    first = failed_with(monitor_id, 0, IMAGE)

    await ingest(sessions, [first, result(monitor_id, 10, up=True)])
    await ingest(sessions, [first])  # redelivered

    stored = await screenshots(sessions)
    assert [(m, i) for m, _, i in stored] == [(monitor_id, IMAGE)]
    assert stored[0][1] == first.due_at


async def test_what_is_not_a_screenshot_a_worker_could_send_is_not_stored(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor()

    await ingest(
        sessions,
        [
            failed_with(monitor_id, 0, "not base64!"),
            failed_with(monitor_id, 10, b"x" * (SCREENSHOT_MAX_BYTES + 1)),
        ],
    )

    assert await screenshots(sessions) == []


async def test_screenshots_go_with_the_raw_checks_and_with_their_monitor(
    sessions: SessionFactory, make_monitor: MonitorFactory
) -> None:
    monitor_id = await make_monitor()
    now = datetime.now(UTC).replace(microsecond=0)
    async with sessions() as session, session.begin():
        for age in (1, 31):
            session.add(
                CheckScreenshot(
                    monitor_id=monitor_id,
                    due_at=now - timedelta(days=age),
                    region="default",
                    image=IMAGE,
                )
            )

    report = await apply_retention(sessions, now=now, retention_days=30)

    assert report.screenshots_deleted == 1
    assert [d for _, d, _ in await screenshots(sessions)] == [now - timedelta(days=1)]
    async with sessions() as session:
        monitor = await session.get(Monitor, monitor_id)
        assert monitor is not None
        await delete_monitor(session, monitor=monitor)
    assert await screenshots(sessions) == []
