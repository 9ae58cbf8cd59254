"""The monitor snapshot a job carries, built from a database row."""

from __future__ import annotations

from betteruptime.db.models import Monitor
from betteruptime.domain.messages import ProbeSpec


def probe_spec(monitor: Monitor) -> ProbeSpec:
    return ProbeSpec(
        monitor_id=monitor.id,
        kind=monitor.kind,
        url=monitor.url or "",
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
        tcp_send=monitor.tcp_send,
        tcp_expect=monitor.tcp_expect,
        dns_record_type=monitor.dns_record_type or "A",
        dns_resolver=monitor.dns_resolver,
        expected_values=list(monitor.expected_values or []),
        ping_count=monitor.ping_count,
        max_packet_loss_percent=monitor.max_packet_loss_percent,
        tls_expiry_days=monitor.tls_expiry_days,
        assertions=list(monitor.assertions or []),
        domain_expiry_days=monitor.domain_expiry_days,
        # One column, two kinds of steps: requests for multistep, actions for browser.
        steps=list(monitor.steps or []) if monitor.kind == "multistep" else [],
        browser_steps=list(monitor.steps or []) if monitor.kind == "browser" else [],
    )
