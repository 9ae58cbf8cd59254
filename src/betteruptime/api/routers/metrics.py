"""Prometheus `/metrics` for operators: every monitor of every organization, plus the
process; or, scraped with an organization's API token (read or write) instead of
BETTERUPTIME_METRICS_TOKEN, only that organization's monitors.

Each scrape reads the database in four queries whatever the number of monitors
(monitors with their states; their tags; one aggregate over the day rollups; the latest
decided checks), then renders them through a custom collector in a registry made for that
scrape, so concurrent scrapes never share state. Rendering is CPU-only and short.

Per monitor, labelled `monitor_id`, `name` and `kind` (one series per monitor; a rename
starts a new series):

- `betteruptime_monitor_up`: 1 up or degraded, 0 down. Pending and paused monitors have
  no sample: nothing is known (or being learnt) about them, and a 0 would page someone.
  `betteruptime_monitors{status=…}` counts monitors in each status, so they are not lost.
- `betteruptime_monitor_response_time_seconds`: of the latest decided check (the mean of
  its regions' times); absent while paused or before any timed check.
- `betteruptime_monitor_checks_total`, `betteruptime_monitor_failures_total`: sums of the
  day rollups. Day rollups are never pruned and the ingester updates them in the same
  transaction as the checks, so the sums only grow and are current: true counters, read
  from one row per monitor per day instead of one per check.
- `betteruptime_monitor_certificate_expiry_timestamp_seconds`: when the latest certificate
  seen expires (Unix time, as blackbox_exporter's probe_ssl_earliest_cert_expiry); only
  for monitors that have seen one.
- `betteruptime_monitor_domain_expiry_timestamp_seconds`: when the domain's registration
  expires, as the latest RDAP answer said (Unix time); only for monitors that read one
  (kind `domain`, and http, keyword or json monitors with `domain_expiry_days`).
- `betteruptime_monitor_info`: always 1, with the monitor's `group` and `tags` as labels
  besides the three (tags as `,db,prod,`, the way Prometheus' Consul discovery writes
  them, so `tags=~".*,prod,.*"` matches a whole tag). One series per monitor: the other
  series keep three labels, and a query joins what it needs, as in
  `betteruptime_monitor_up * on(monitor_id) group_left(group, tags) betteruptime_monitor_info`.

Names use base units, as Prometheus wants them: `promtool check metrics` runs on a live
scrape in CI. The older `…_response_time_ms` and `…_certificate_days_left`, which it
refuses, are served beside their replacements for one release (DEPRECATED_GAUGES, and
README says so), then removed.
"""

from __future__ import annotations

import hmac
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, get_args

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import (
    CollectorRegistry,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from betteruptime.api.deps import SessionDep, SettingsDep
from betteruptime.api.errors import ApiError
from betteruptime.db.models import Check, Monitor, MonitorState, MonitorTag, RollupDay
from betteruptime.db.types import utcnow
from betteruptime.domain.tags import tags_label
from betteruptime.schemas.monitor_fields import MAX_INTERVAL_SECONDS, MonitorStatus
from betteruptime.services import tokens as token_service
from betteruptime.services.organizations import role_in

router = APIRouter(tags=["metrics"])

LABELS = ("monitor_id", "name", "kind")
INFO_LABELS = (*LABELS, "group", "tags")
STATUSES: tuple[str, ...] = get_args(MonitorStatus)
UP_STATUSES = frozenset({"up", "degraded"})
# Every active monitor is checked at least once a day; the bound lets PostgreSQL skip
# all but the newest partitions of `checks` when looking up the latest ones.
LATEST_CHECK_WITHIN = timedelta(seconds=2 * MAX_INTERVAL_SECONDS)
SECONDS_PER_DAY = 86400.0
MS_PER_SECOND = 1000.0

_bearer = HTTPBearer(
    auto_error=False,
    description="BETTERUPTIME_METRICS_TOKEN, or an API token for its organization only.",
)


@dataclass(frozen=True, slots=True)
class MonitorSample:
    """What one scrape knows about one monitor."""

    monitor_id: int
    name: str
    kind: str
    status: str  # `paused` when paused, whatever the state machine says
    checks: int = 0
    failures: int = 0
    response_time_ms: float | None = None
    certificate_expires_at: datetime | None = None
    certificate_days_left: float | None = None
    domain_expires_at: datetime | None = None
    group: str | None = None
    tags: tuple[str, ...] = ()

    def labels(self) -> list[str]:
        return [str(self.monitor_id), self.name, self.kind]

    def info_labels(self) -> list[str]:
        return [*self.labels(), self.group or "", tags_label(self.tags)]


@dataclass(frozen=True, slots=True)
class Gauge:
    """A per-monitor gauge: its name, HELP, and value for a sample (None: no sample)."""

    name: str
    help: str
    value: Callable[[MonitorSample], float | None]


def _seconds(sample: MonitorSample) -> float | None:
    ms = sample.response_time_ms
    return None if ms is None else ms / MS_PER_SECOND


def _timestamp(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


RESPONSE_TIME = Gauge(
    "betteruptime_monitor_response_time_seconds",
    "Response time of the latest decided check (mean of its regions), seconds.",
    _seconds,
)
CERTIFICATE_EXPIRY = Gauge(
    "betteruptime_monitor_certificate_expiry_timestamp_seconds",
    "When the latest certificate seen expires, Unix time.",
    lambda sample: _timestamp(sample.certificate_expires_at),
)
DOMAIN_EXPIRY = Gauge(
    "betteruptime_monitor_domain_expiry_timestamp_seconds",
    "When the domain's registration expires (the latest RDAP answer), Unix time.",
    lambda sample: _timestamp(sample.domain_expires_at),
)
# Served beside their replacements for one release, then removed. promtool refuses these
# names themselves (abbreviated or non-base units): the CI check allows exactly that.
DEPRECATED_GAUGES = {
    RESPONSE_TIME.name: Gauge(
        "betteruptime_monitor_response_time_ms",
        "Response time of the latest decided check, milliseconds.",
        lambda sample: sample.response_time_ms,
    ),
    CERTIFICATE_EXPIRY.name: Gauge(
        "betteruptime_monitor_certificate_days_left",
        "Days until the latest certificate seen expires; negative once expired.",
        lambda sample: sample.certificate_days_left,
    ),
}
DEPRECATED_METRICS = frozenset(gauge.name for gauge in DEPRECATED_GAUGES.values())


async def read_samples(
    session: AsyncSession, *, now: datetime, organization_id: int | None = None
) -> list[MonitorSample]:
    """Every monitor's figures (of one organization when given), in four queries."""
    mine = select(Monitor.id)
    if organization_id is not None:
        mine = mine.where(Monitor.organization_id == organization_id)
    monitors = await session.execute(
        select(
            Monitor.id,
            Monitor.name,
            Monitor.kind,
            Monitor.paused,
            Monitor.group,
            MonitorState.status,
            MonitorState.cert_expires_at,
            MonitorState.domain_expires_at,
        )
        .outerjoin(MonitorState, MonitorState.monitor_id == Monitor.id)
        .where(Monitor.id.in_(mine))
        .order_by(Monitor.id)
    )
    tags: dict[int, list[str]] = {}
    tag_rows = select(MonitorTag.monitor_id, MonitorTag.tag).where(MonitorTag.monitor_id.in_(mine))
    for monitor_id, tag in await session.execute(tag_rows):
        tags.setdefault(monitor_id, []).append(tag)
    totals = {
        monitor_id: (int(count or 0), int(failures or 0))
        for monitor_id, count, failures in await session.execute(
            select(RollupDay.monitor_id, func.sum(RollupDay.count), func.sum(RollupDay.failures))
            .where(RollupDay.monitor_id.in_(mine))
            .group_by(RollupDay.monitor_id)
        )
    }
    # The checks of each monitor's last decided due time: a primary-key lookup per
    # monitor (monitor_id, due_at), never a scan of its history.
    latest = await session.execute(
        select(Check.monitor_id, func.avg(Check.response_time_ms))
        .join(
            MonitorState,
            and_(
                MonitorState.monitor_id == Check.monitor_id,
                Check.due_at == MonitorState.last_due_at,
            ),
        )
        .where(
            Check.due_at >= now - LATEST_CHECK_WITHIN,
            Check.response_time_ms.is_not(None),
            Check.monitor_id.in_(mine),
        )
        .group_by(Check.monitor_id)
    )
    response_times = {monitor_id: float(avg) for monitor_id, avg in latest if avg is not None}
    samples = []
    for (
        monitor_id,
        name,
        kind,
        paused,
        group,
        status,
        cert_expires_at,
        domain_expires_at,
    ) in monitors:
        checks, failures = totals.get(monitor_id, (0, 0))
        effective = "paused" if paused else (status or "pending")
        samples.append(
            MonitorSample(
                monitor_id=monitor_id,
                name=name,
                kind=kind,
                status=effective,
                checks=checks,
                failures=failures,
                response_time_ms=None if paused else response_times.get(monitor_id),
                certificate_expires_at=cert_expires_at,
                certificate_days_left=(
                    (cert_expires_at - now).total_seconds() / SECONDS_PER_DAY
                    if cert_expires_at is not None
                    else None
                ),
                domain_expires_at=domain_expires_at,
                group=group,
                tags=tuple(tags.get(monitor_id, ())),
            )
        )
    return samples


class MonitorCollector(Collector):
    """Renders one scrape's samples as metric families (no I/O: the reads came first)."""

    def __init__(self, samples: Sequence[MonitorSample]) -> None:
        self._samples = samples

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "betteruptime_monitor_up",
            "1 when the monitor is up or degraded, 0 when down; absent while pending or paused.",
            labels=LABELS,
        )
        checks = CounterMetricFamily(
            "betteruptime_monitor_checks",
            "Check results recorded for the monitor (one per region per due time).",
            labels=LABELS,
        )
        failures = CounterMetricFamily(
            "betteruptime_monitor_failures",
            "Failed check results recorded for the monitor.",
            labels=LABELS,
        )
        for sample in self._samples:
            labels = sample.labels()
            if sample.status in UP_STATUSES:
                up.add_metric(labels, 1.0)
            elif sample.status == "down":
                up.add_metric(labels, 0.0)
            checks.add_metric(labels, float(sample.checks))
            failures.add_metric(labels, float(sample.failures))
        yield up
        yield self._gauge(RESPONSE_TIME)
        yield from (checks, failures)
        yield self._gauge(CERTIFICATE_EXPIRY)
        yield self._gauge(DOMAIN_EXPIRY)
        yield self._by_status()
        yield self._info()
        for replacement, old in DEPRECATED_GAUGES.items():
            help_text = f"DEPRECATED, removed in the next release: use {replacement}. {old.help}"
            yield self._gauge(Gauge(old.name, help_text, old.value))

    def _gauge(self, gauge: Gauge) -> GaugeMetricFamily:
        family = GaugeMetricFamily(gauge.name, gauge.help, labels=LABELS)
        for sample in self._samples:
            value = gauge.value(sample)
            if value is not None:
                family.add_metric(sample.labels(), value)
        return family

    def _info(self) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "betteruptime_monitor_info",
            "Always 1: the monitor's group and tags (`,a,b,`) as labels, to join on monitor_id.",
            labels=INFO_LABELS,
        )
        for sample in self._samples:
            family.add_metric(sample.info_labels(), 1.0)
        return family

    def _by_status(self) -> GaugeMetricFamily:
        counts = Counter(sample.status for sample in self._samples)
        family = GaugeMetricFamily(
            "betteruptime_monitors", "Monitors in each status.", labels=["status"]
        )
        for status in STATUSES:
            family.add_metric([status], float(counts[status]))
        return family


def scrape_registry(samples: Sequence[MonitorSample]) -> CollectorRegistry:
    """A registry for one scrape: the monitors, and the process's own metrics (CPU,
    memory, open files, Python version, garbage collection) as prometheus_client's
    default registry has them."""
    registry = CollectorRegistry(auto_describe=False)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    registry.register(MonitorCollector(samples))
    return registry


async def metrics_scope(
    settings: SettingsDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> int | None:
    """Whose monitors a scrape sees: everyone's (None) with BETTERUPTIME_METRICS_TOKEN,
    or with no token while it is unset; one organization's with an API token bound to it
    (its user still a member). 401 otherwise."""
    expected = settings.metrics_token
    sent = credentials.credentials if credentials is not None else ""
    # Constant time: the comparison must not reveal how much of a guess was right.
    if expected is not None and hmac.compare_digest(
        sent.encode(), expected.get_secret_value().encode()
    ):
        return None
    if not sent and expected is None:
        return None
    found = await token_service.authenticate_token(session, token=sent) if sent else None
    if found is not None:
        user, token = found
        organization_id = token.organization_id
        if await role_in(session, organization_id=organization_id, user_id=user.id) is not None:
            return organization_id
    raise ApiError(
        401,
        "unauthorized",
        "Send BETTERUPTIME_METRICS_TOKEN, or an organization's API token for its monitors "
        "only, as 'Authorization: Bearer <token>'.",
        headers={"WWW-Authenticate": "Bearer"},
    )


MetricsScope = Annotated[int | None, Depends(metrics_scope)]


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus exposition."},
        401: {
            "description": "Neither BETTERUPTIME_METRICS_TOKEN (when set) nor a valid "
            "API token was sent."
        },
    },
)
async def metrics(request: Request, session: SessionDep, scope: MetricsScope) -> Response:
    """Every monitor's status, latest response time, check and failure counters and
    certificate expiry, plus process metrics; in the format the scraper asks for. With an
    organization's API token: that organization's monitors only."""
    samples = await read_samples(session, now=utcnow(), organization_id=scope)
    encoder, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encoder(scrape_registry(samples)), media_type=content_type)
