"""Status pages of an organization: create, list, change, delete, always scoped to it.

The slug is unique over all users: taken is answered as such (409), since it is a public
address anyone can try anyway. Monitors must be the organization's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.db.models import StatusPage, StatusPageMonitor
from betteruptime.db.types import utcnow
from betteruptime.domain.audit import changes_of, created
from betteruptime.schemas.status_pages import StatusPageCreate, StatusPageUpdate
from betteruptime.services import audit
from betteruptime.services.monitors import require_own_monitors


class SlugTakenError(Exception):
    """Another status page (anyone's) already has this slug."""

    def __init__(self, slug: str) -> None:
        super().__init__(f"the slug {slug!r} is taken")
        self.slug = slug


@dataclass(slots=True)
class StatusPageRecord:
    page: StatusPage
    # In the order the page shows them.
    monitor_ids: list[int] = field(default_factory=list)


async def monitor_ids_by_page(
    session: AsyncSession, page_ids: Sequence[int]
) -> dict[int, list[int]]:
    """Each page's monitors in position order, for all the pages in one query."""
    found: dict[int, list[int]] = {page_id: [] for page_id in page_ids}
    if not page_ids:
        return found
    statement = (
        select(StatusPageMonitor.status_page_id, StatusPageMonitor.monitor_id)
        .where(StatusPageMonitor.status_page_id.in_(page_ids))
        .order_by(StatusPageMonitor.status_page_id, StatusPageMonitor.position)
    )
    for page_id, monitor_id in (await session.execute(statement)).all():
        found[page_id].append(monitor_id)
    return found


async def _require_free_slug(session: AsyncSession, slug: str, *, page_id: int | None) -> None:
    statement = select(StatusPage.id).where(StatusPage.slug == slug)
    holder = await session.scalar(statement)
    if holder is not None and holder != page_id:
        raise SlugTakenError(slug)


async def _replace_monitors(
    session: AsyncSession, *, page_id: int, monitor_ids: list[int]
) -> list[int]:
    await session.execute(
        delete(StatusPageMonitor).where(StatusPageMonitor.status_page_id == page_id)
    )
    session.add_all(
        StatusPageMonitor(status_page_id=page_id, monitor_id=monitor_id, position=position)
        for position, monitor_id in enumerate(monitor_ids)
    )
    return list(monitor_ids)


async def _flush(session: AsyncSession, slug: str) -> None:
    """Write; a page that took the slug since it was checked makes this one lose."""
    try:
        await session.flush()
    except IntegrityError as error:
        await session.rollback()
        raise SlugTakenError(slug) from error


async def list_pages(session: AsyncSession, *, organization_id: int) -> list[StatusPageRecord]:
    """The organization's pages by id, with their monitors."""
    statement = (
        select(StatusPage)
        .where(StatusPage.organization_id == organization_id)
        .order_by(StatusPage.id)
    )
    pages = (await session.scalars(statement)).all()
    shown = await monitor_ids_by_page(session, [page.id for page in pages])
    return [StatusPageRecord(page, shown[page.id]) for page in pages]


async def get_page(
    session: AsyncSession, *, organization_id: int, page_id: int
) -> StatusPageRecord | None:
    """The organization's page; None if missing or another organization's (they look alike)."""
    statement = select(StatusPage).where(
        StatusPage.id == page_id, StatusPage.organization_id == organization_id
    )
    page = (await session.scalars(statement)).one_or_none()
    if page is None:
        return None
    shown = await monitor_ids_by_page(session, [page.id])
    return StatusPageRecord(page, shown[page.id])


async def get_page_by_slug(session: AsyncSession, *, slug: str) -> StatusPageRecord | None:
    """Anyone's page by its public slug."""
    page = (await session.scalars(select(StatusPage).where(StatusPage.slug == slug))).first()
    if page is None:
        return None
    shown = await monitor_ids_by_page(session, [page.id])
    return StatusPageRecord(page, shown[page.id])


async def create_page(
    session: AsyncSession, *, organization_id: int, data: StatusPageCreate
) -> StatusPageRecord:
    """Check the slug and the monitors, then insert the page and its monitors."""
    await require_own_monitors(
        session, organization_id=organization_id, monitor_ids=data.monitor_ids
    )
    await _require_free_slug(session, data.slug, page_id=None)
    page = StatusPage(
        organization_id=organization_id, slug=data.slug, title=data.title, created_at=utcnow()
    )
    session.add(page)
    await _flush(session, data.slug)
    shown = await _replace_monitors(session, page_id=page.id, monitor_ids=data.monitor_ids)
    changes = created({"slug": page.slug, "title": page.title, "monitor_ids": shown})
    audit.record_change(session, "status_page.create", page, changes)
    await session.commit()
    return StatusPageRecord(page, shown)


async def update_page(
    session: AsyncSession, *, record: StatusPageRecord, changes: StatusPageUpdate
) -> None:
    """Apply the fields sent; `monitor_ids`, when sent, replaces the shown monitors."""
    page = record.page
    old_monitors = list(record.monitor_ids)
    if changes.monitor_ids is not None:
        await require_own_monitors(
            session, organization_id=page.organization_id, monitor_ids=changes.monitor_ids
        )
    if changes.slug is not None:
        await _require_free_slug(session, changes.slug, page_id=page.id)
        page.slug = changes.slug
    if changes.title is not None:
        page.title = changes.title
    if changes.monitor_ids is not None:
        record.monitor_ids = await _replace_monitors(
            session, page_id=page.id, monitor_ids=changes.monitor_ids
        )
    recorded = audit.pending_changes(page, ("slug", "title"))
    recorded |= changes_of({"monitor_ids": (old_monitors, list(record.monitor_ids))})
    audit.record_change(session, "status_page.update", page, recorded)
    await _flush(session, page.slug)
    await session.commit()


async def delete_page(session: AsyncSession, *, record: StatusPageRecord) -> None:
    """Delete the page; its monitor links go with it (foreign-key cascade)."""
    audit.record_change(
        session, "status_page.delete", record.page, {"slug": [record.page.slug, None]}
    )
    await session.delete(record.page)
    await session.commit()
