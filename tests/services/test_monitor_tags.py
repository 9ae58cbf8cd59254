"""Tags, groups, filters and bulk actions in the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select

from betteruptime.db.changes import MonitorChange, on_monitor_commit
from betteruptime.db.models import Monitor, MonitorState, MonitorTag, User
from betteruptime.db.session import SessionFactory
from betteruptime.schemas.monitor_bulk import MonitorBulk
from betteruptime.schemas.monitors import MonitorCreate, MonitorUpdate
from betteruptime.services import monitor_bulk, monitors
from betteruptime.services.monitor_filters import MonitorFilter
from betteruptime.services.monitors import MonitorInvalidError
from betteruptime.services.organizations import create_personal_organization
from betteruptime.settings import Settings

SETTINGS = Settings(min_interval=10, region="eu-west", _env_file=None)


async def _names(
    sessions: SessionFactory, organization_id: int, filters: MonitorFilter
) -> list[str]:
    async with sessions() as session:
        records = await monitors.list_monitors(
            session, organization_id=organization_id, filters=filters
        )
    return [record.monitor.name for record in records]


async def _owner(sessions: SessionFactory, monitor_id: int) -> int:
    async with sessions() as session:
        owner = await session.scalar(
            select(Monitor.organization_id).where(Monitor.id == monitor_id)
        )
    assert owner is not None
    return owner


async def test_tags_and_group_are_stored_and_read_back_sorted(sessions: SessionFactory) -> None:
    async with sessions() as session:
        user = User(email="t@example.com", password_hash="x")
        session.add(user)
        await session.flush()
        organization = await create_personal_organization(session, user=user)
        await session.commit()
        data = MonitorCreate(
            name="api",
            url="https://example.com/",
            tags=["web", " prod ", "Zeta", "prod"],
            group="  Shop  ",
        )
        record = await monitors.create_monitor(
            session, organization_id=organization.id, data=data, settings=SETTINGS
        )
        monitor_id = record.monitor.id
    async with sessions() as session:
        found = await monitors.get_monitor(
            session, organization_id=organization.id, monitor_id=monitor_id
        )
        assert found is not None
        assert found.monitor.tags == ["Zeta", "prod", "web"]
        assert found.monitor.group == "Shop"
        await monitors.update_monitor(
            session, record=found, changes=MonitorUpdate(tags=["prod", "db"]), settings=SETTINGS
        )
    async with sessions() as session:
        rows = (await session.scalars(select(MonitorTag.tag).order_by(MonitorTag.tag))).all()
        again = await monitors.get_monitor(
            session, organization_id=organization.id, monitor_id=monitor_id
        )
    assert sorted(rows) == ["db", "prod"]
    assert again is not None and again.monitor.tags == ["db", "prod"]


async def test_filters_combine_tags_group_status_and_search(
    sessions: SessionFactory, make_monitor: Any
) -> None:
    a = await make_monitor(name="shop api", tags=["prod", "web"], group="Shop")
    await make_monitor(name="shop db", tags=["prod", "db"], group="Shop")
    await make_monitor(name="blog", url="https://blog.example.com/", tags=["web"], paused=True)
    await make_monitor("other@example.com", name="shop api", tags=["prod", "web"])
    owner = await _owner(sessions, a)

    assert await _names(sessions, owner, MonitorFilter(tags=["prod"])) == ["shop api", "shop db"]
    assert await _names(sessions, owner, MonitorFilter(tags=["prod", "web"])) == ["shop api"]
    assert await _names(sessions, owner, MonitorFilter(tags=["Prod"])) == []
    assert await _names(sessions, owner, MonitorFilter(group="Shop")) == ["shop api", "shop db"]
    assert await _names(sessions, owner, MonitorFilter(status="paused")) == ["blog"]
    assert await _names(sessions, owner, MonitorFilter(status="pending")) == [
        "shop api",
        "shop db",
    ]
    assert await _names(sessions, owner, MonitorFilter(query="BLOG.example")) == ["blog"]
    assert await _names(sessions, owner, MonitorFilter(query="SHOP", tags=["db"])) == ["shop db"]
    # LIKE's wildcards are searched for as they are.
    assert await _names(sessions, owner, MonitorFilter(query="%")) == []


async def test_a_bulk_pause_by_tag_pauses_exactly_the_tagged_monitors_and_is_heard(
    sessions: SessionFactory, make_monitor: Any
) -> None:
    tagged = [await make_monitor(name=f"t{n}", tags=["batch"]) for n in range(3)]
    untagged = await make_monitor(name="u", tags=["other"])
    foreign = await make_monitor("other@example.com", name="f", tags=["batch"])
    owner = await _owner(sessions, tagged[0])
    heard: list[MonitorChange] = []

    def listen(changes: Sequence[MonitorChange]) -> None:
        heard.extend(changes)

    stop = on_monitor_commit(sessions, listen)
    try:
        async with sessions() as session:
            outcome = await monitor_bulk.apply_bulk(
                session, organization_id=owner, bulk=MonitorBulk(action="pause", tag="batch")
            )
    finally:
        stop()

    assert (outcome.matched, outcome.changed) == (3, tagged)
    assert sorted(change.monitor_id for change in heard if change.paused) == tagged
    async with sessions() as session:
        paused = set(await session.scalars(select(Monitor.id).where(Monitor.paused.is_(True))))
    assert paused == set(tagged)
    assert untagged not in paused and foreign not in paused


async def test_a_bulk_resume_starts_the_state_machine_afresh_as_a_single_resume_does(
    sessions: SessionFactory, make_monitor: Any
) -> None:
    ids = [await make_monitor(name="a", paused=True), await make_monitor(name="b")]
    owner = await _owner(sessions, ids[0])
    async with sessions() as session:
        outcome = await monitor_bulk.apply_bulk(
            session, organization_id=owner, bulk=MonitorBulk(action="resume", ids=ids)
        )
        states = {
            state.monitor_id: state.status for state in await session.scalars(select(MonitorState))
        }

    assert (outcome.matched, outcome.changed) == (2, [ids[0]])
    assert states[ids[0]] == "pending"


async def test_an_id_that_is_not_yours_changes_nothing_and_names_only_what_was_sent(
    sessions: SessionFactory, make_monitor: Any
) -> None:
    mine = await make_monitor(name="mine")
    theirs = await make_monitor("other@example.com", name="theirs")
    owner = await _owner(sessions, mine)

    async with sessions() as session:
        with pytest.raises(monitor_bulk.MonitorsNotFoundError) as refused:
            await monitor_bulk.apply_bulk(
                session,
                organization_id=owner,
                bulk=MonitorBulk(action="delete", ids=[mine, theirs, 999_999]),
            )

    assert refused.value.ids == sorted([theirs, 999_999])
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Monitor)) == 2


async def test_bulk_delete_and_tag_changes(sessions: SessionFactory, make_monitor: Any) -> None:
    keep = await make_monitor(name="keep", tags=["a"])
    doomed = [await make_monitor(name=f"d{n}", tags=["gone"]) for n in range(2)]
    owner = await _owner(sessions, keep)
    async with sessions() as session:
        added = await monitor_bulk.apply_bulk(
            session,
            organization_id=owner,
            bulk=MonitorBulk(action="add_tags", ids=[keep, *doomed], tags=["a", "b"]),
        )
        removed = await monitor_bulk.apply_bulk(
            session,
            organization_id=owner,
            bulk=MonitorBulk(action="remove_tags", tag="b", tags=["a"]),
        )
        deleted = await monitor_bulk.apply_bulk(
            session, organization_id=owner, bulk=MonitorBulk(action="delete", tag="gone")
        )
    async with sessions() as session:
        left = await monitors.list_monitors(session, organization_id=owner)
        tag_rows = await session.scalar(select(func.count()).select_from(MonitorTag))

    assert (added.matched, added.changed) == (3, sorted([keep, *doomed]))
    assert (removed.matched, removed.changed) == (3, sorted([keep, *doomed]))
    assert (deleted.matched, deleted.changed) == (2, sorted(doomed))
    assert [(r.monitor.name, r.monitor.tags) for r in left] == [("keep", ["b"])]
    assert tag_rows == 1  # the deleted monitors' tags went with them


async def test_adding_tags_beyond_the_limit_refuses_the_whole_action(
    sessions: SessionFactory, make_monitor: Any
) -> None:
    full = await make_monitor(name="full", tags=[f"t{n:02}" for n in range(20)])
    other = await make_monitor(name="other")
    owner = await _owner(sessions, full)
    async with sessions() as session:
        with pytest.raises(MonitorInvalidError, match=f"monitor {full}: a monitor has at most"):
            await monitor_bulk.apply_bulk(
                session,
                organization_id=owner,
                bulk=MonitorBulk(action="add_tags", ids=[other, full], tags=["new"]),
            )
    async with sessions() as session:
        assert await _names(sessions, owner, MonitorFilter(tags=["new"])) == []
