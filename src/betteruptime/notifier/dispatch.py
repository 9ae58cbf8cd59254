"""Sending what is due: claim, rate-limit, send through Apprise, record every attempt.

A notification is claimed (status `sending`, a lease) in one short transaction, sent
outside any transaction, and its outcome recorded in another: a slow receiver never
holds a database lock. Rows are claimed with SKIP LOCKED, so several notifiers share the
work without sending anything twice; a notifier that dies mid-send leaves a lease that
expires, and the message is then sent again (at-least-once: the record decides).

Before the rate limit, the claimed rows are put in line (`lineup.py`): per monitor and
channel one message at a time, in the order of their events, and a down whose incident
resolved before it could be sent is dropped. A failure the receiver meant for good (see
`alerting/failures.py`) is not retried; finishing a message, sent or failed, releases the
ones that waited for it at once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.alerting.context import AlertContext
from betteruptime.alerting.ratelimit import WINDOW, plan_channel
from betteruptime.alerting.render import Rendered, render, render_digest
from betteruptime.alerting.retry import RetryPolicy
from betteruptime.alerting.sender import Sender, SendOutcome
from betteruptime.db.models import (
    Channel,
    DeliveryAttempt,
    Notification,
    notification_values,
)
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.logs import get_logger, kv
from betteruptime.notifier.lineup import line_up
from betteruptime.services.channels import record_delivery

log = get_logger("notifier")

CLAIM_BATCH = 200
DEFAULT_LEASE = timedelta(minutes=2)
DEFAULT_RATE_LIMIT = 10  # messages per channel per minute


@dataclass(slots=True)
class Claimed:
    id: int
    channel_id: int
    url: str
    kind: str
    attempt: int
    message: Rendered
    claimed_at: datetime


def contexts_of(row: Notification) -> list[AlertContext]:
    """The events a notification speaks of: one, or a digest's list."""
    if row.kind == "digest":
        return [AlertContext.model_validate(item) for item in row.payload.get("items", [])]
    return [AlertContext.model_validate(row.payload)]


def _message(row: Notification) -> Rendered:
    contexts = contexts_of(row)
    return render_digest(contexts) if row.kind == "digest" else render(contexts[0])


class Dispatcher:
    def __init__(
        self,
        *,
        sessions: SessionFactory,
        sender: Sender,
        rate_limit: int = DEFAULT_RATE_LIMIT,
        retry: RetryPolicy | None = None,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self._sessions = sessions
        self._lease = lease
        self._sender = sender
        self._rate_limit = rate_limit
        self._retry = retry or RetryPolicy()
        self._claiming = asyncio.Lock()
        self.sent = 0
        self.failed = 0

    async def dispatch(self) -> int:
        """Send everything that is due now; returns how many messages were attempted."""
        async with self._claiming:
            claimed = await self._claim(utcnow())
        if not claimed:
            return 0
        outcomes = await asyncio.gather(
            *(self._sender.send(item.url, item.message, kind=item.kind) for item in claimed)
        )
        await self._record(list(zip(claimed, outcomes, strict=True)))
        return len(claimed)

    async def next_due_at(self) -> datetime | None:
        """When the earliest waiting message comes due (None: nothing waits)."""
        async with self._sessions() as session:
            return await session.scalar(
                select(Notification.next_attempt_at)
                .where(Notification.status == "pending")
                .order_by(Notification.next_attempt_at)
                .limit(1)
            )

    async def _claim(self, now: datetime) -> list[Claimed]:
        async with self._sessions() as session, session.begin():
            rows = (
                await session.execute(
                    select(Notification, Channel.url)
                    .join(Channel, Channel.id == Notification.channel_id)
                    .where(
                        or_(
                            and_(
                                Notification.status == "pending",
                                Notification.next_attempt_at <= now,
                            ),
                            and_(Notification.status == "sending", Notification.lease_until < now),
                        )
                    )
                    .order_by(Notification.next_attempt_at, Notification.id)
                    .limit(CLAIM_BATCH)
                    .with_for_update(of=Notification, skip_locked=True)
                )
            ).all()
            if not rows:
                return []
            urls = {row.channel_id: url for row, url in rows}
            by_channel: dict[int, list[Notification]] = defaultdict(list)
            for row in await line_up(session, [row for row, _ in rows], now=now):
                by_channel[row.channel_id].append(row)
            recent = await self._recent_sends(
                session, set(by_channel), now, [r.id for r, _ in rows]
            )
            claimed: list[Claimed] = []
            for channel_id, due in by_channel.items():
                plan = plan_channel(
                    [row.id for row in due],
                    recent_sends=recent[channel_id],
                    limit=self._rate_limit,
                    now=now,
                )
                if plan.wait_until is not None:
                    for row in due:
                        row.next_attempt_at = plan.wait_until
                    continue
                to_send = [row for row in due if row.id in set(plan.singles)]
                if plan.digest:
                    to_send.append(await self._fold(session, channel_id, due, now))
                for row in to_send:
                    row.status, row.lease_until = "sending", now + self._lease
                    row.attempts += 1
                    claimed.append(
                        Claimed(
                            row.id,
                            channel_id,
                            urls[channel_id],
                            row.kind,
                            row.attempts,
                            _message(row),
                            now,
                        )
                    )
            return claimed

    async def _recent_sends(
        self, session: AsyncSession, channel_ids: set[int], now: datetime, claiming: list[int]
    ) -> dict[int, list[datetime]]:
        """Per channel, when messages went out in the last window (in flight counts as now)."""
        recent: dict[int, list[datetime]] = defaultdict(list)
        if not channel_ids:
            return recent
        rows = await session.execute(
            select(Notification.channel_id, Notification.status, Notification.sent_at).where(
                Notification.channel_id.in_(channel_ids),
                Notification.id.not_in(claiming),
                or_(
                    and_(Notification.status == "sent", Notification.sent_at > now - WINDOW),
                    Notification.status == "sending",
                ),
            )
        )
        for channel_id, status, sent_at in rows:
            recent[channel_id].append(sent_at if status == "sent" and sent_at else now)
        return recent

    async def _fold(
        self, session: AsyncSession, channel_id: int, rows: list[Notification], now: datetime
    ) -> Notification:
        """One digest message standing for `rows`, which are marked folded into it."""
        items: list[dict[str, Any]] = []
        for row in rows:
            items += [context.model_dump(mode="json") for context in contexts_of(row)]
        digest = Notification(
            **notification_values(
                channel_id=channel_id,
                key=f"digest:{uuid.uuid4().hex}",
                kind="digest",
                payload={"items": items},
                due_at=now,
                now=now,
            )
        )
        session.add(digest)
        await session.flush()
        for row in rows:
            row.status, row.digest_id = "folded", digest.id
        log.info(kv(event="digest", channel_id=channel_id, folded=len(rows), digest=digest.id))
        return digest

    async def _record(self, results: list[tuple[Claimed, SendOutcome]]) -> None:
        now = utcnow()
        by_channel: dict[int, list[SendOutcome]] = defaultdict(list)
        async with self._sessions() as session, session.begin():
            for item, outcome in results:
                session.add(
                    DeliveryAttempt(
                        notification_id=item.id,
                        attempt=item.attempt,
                        started_at=item.claimed_at,
                        finished_at=now,
                        ok=outcome.ok,
                        error=outcome.error,
                        permanent=outcome.permanent and not outcome.ok,
                    )
                )
                values = self._outcome_values(item, outcome, now)
                await session.execute(
                    update(Notification)
                    .where(Notification.id == item.id, Notification.status == "sending")
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
                if values["status"] != "pending":
                    await self._release(session, item.id, now)
                by_channel[item.channel_id].append(outcome)
                self._log(item, outcome)
            # In channel order, so notifiers recording at once never wait on each other
            # in a cycle. A channel that took one message and refused another is not
            # "still failing": the failure is noted, at the same time as the delivery.
            for channel_id, outcomes in sorted(by_channel.items()):
                failures = [outcome for outcome in outcomes if not outcome.ok]
                if len(failures) < len(outcomes):
                    await record_delivery(session, channel_id=channel_id, at=now, ok=True)
                if failures:
                    await record_delivery(
                        session,
                        channel_id=channel_id,
                        at=now,
                        ok=False,
                        error=failures[-1].error,
                        permanent=failures[-1].permanent,
                    )

    @staticmethod
    async def _release(session: AsyncSession, finished: int, now: datetime) -> None:
        """The messages waiting for `finished` (alerting/ordering.py) are due at once."""
        await session.execute(
            update(Notification)
            .where(Notification.blocked_by == finished, Notification.status == "pending")
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )

    def _outcome_values(self, item: Claimed, outcome: SendOutcome, now: datetime) -> dict[str, Any]:
        if outcome.ok:
            self.sent += 1
            return {"status": "sent", "sent_at": now, "lease_until": None, "last_error": None}
        delay = None
        if not outcome.permanent:
            delay = self._retry.delay_after(item.attempt, retry_after=outcome.retry_after)
        if delay is None:
            self.failed += 1
            return {"status": "failed", "lease_until": None, "last_error": outcome.error}
        return {
            "status": "pending",
            "next_attempt_at": now + timedelta(seconds=delay),
            "lease_until": None,
            "last_error": outcome.error,
        }

    @staticmethod
    def _log(item: Claimed, outcome: SendOutcome) -> None:
        line = kv(
            event="sent" if outcome.ok else "send_failed",
            notification=item.id,
            channel_id=item.channel_id,
            kind=item.kind,
            attempt=item.attempt,
            error=outcome.error or "",
        )
        (log.info if outcome.ok else log.warning)(line)
