"""The monitor snapshot a job carries, built from a database row."""

from __future__ import annotations

from betteruptime.db.models import Monitor
from betteruptime.domain.messages import ProbeSpec


def probe_spec(monitor: Monitor) -> ProbeSpec:
    return ProbeSpec(
        monitor_id=monitor.id,
        kind=monitor.kind,
        url=monitor.url,
        method=monitor.method,
        headers=dict(monitor.headers or {}),
        body=monitor.body,
        follow_redirects=monitor.follow_redirects,
        verify_tls=monitor.verify_tls,
        timeout_seconds=monitor.timeout_seconds,
        expected_status=list(monitor.expected_status or ["200-299"]),
        keyword=monitor.keyword,
        keyword_mode=monitor.keyword_mode,
        json_path=monitor.json_path,
        json_expected=monitor.json_expected,
        max_response_time_ms=monitor.max_response_time_ms,
    )
