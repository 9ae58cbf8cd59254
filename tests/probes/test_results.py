"""`guarded`, the one place where a probe's failure or bug becomes a result, and the
promise it keeps for every probe: a check never raises, except on cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from betteruptime.domain.messages import CheckJob, CheckResult, Timings
from betteruptime.probes.dns import DnsProbe
from betteruptime.probes.http import HttpProbe
from betteruptime.probes.ping import PingProbe
from betteruptime.probes.results import CheckFailed, guarded, make_result
from betteruptime.probes.tcp import TcpProbe
from betteruptime.probes.tls import TlsProbe

MakeJob = Callable[..., CheckJob]


async def test_a_check_failed_becomes_a_down_result_in_its_own_words(make_job: MakeJob) -> None:
    job = make_job("tcp://db.example:5432")

    async def check(_: datetime) -> CheckResult:
        raise CheckFailed("connection refused by db.example:5432")

    result = await guarded(job, check, timings=lambda: Timings(dns_ms=1.5))

    assert not result.up
    assert result.error == "connection refused by db.example:5432"
    assert result.timings == Timings(dns_ms=1.5)
    assert (result.monitor_id, result.region, result.due_at) == (7, job.region, job.due_at)


async def test_a_bug_becomes_an_internal_probe_error_naming_the_exception(
    make_job: MakeJob,
) -> None:
    async def check(_: datetime) -> CheckResult:
        raise KeyError("missing")

    result = await guarded(make_job("dns://example.com"), check)

    assert not result.up
    assert result.error == "internal probe error: KeyError: 'missing'"
    assert result.timings == Timings()


async def test_an_internal_error_text_is_redacted_as_the_probe_asks(make_job: MakeJob) -> None:
    async def check(_: datetime) -> CheckResult:
        raise ValueError("bad URL https://ops:s3cret@example.com/")

    result = await guarded(
        make_job("https://ops:s3cret@example.com/"),
        check,
        redact=lambda text: text.replace("s3cret", "***"),
    )

    assert result.error == "internal probe error: ValueError: bad URL https://ops:***@example.com/"


async def test_a_result_passes_through_with_the_start_time_given_to_the_check(
    make_job: MakeJob,
) -> None:
    job = make_job("https://example.com/")

    async def check(checked_at: datetime) -> CheckResult:
        return make_result(job, checked_at, up=True)

    result = await guarded(job, check)

    assert result.up and result.error is None
    assert result.checked_at.tzinfo is not None


async def test_cancellation_is_not_turned_into_a_result(make_job: MakeJob) -> None:
    async def check(_: datetime) -> CheckResult:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await guarded(make_job("https://example.com/"), check)


async def _boom(*_: Any, **__: Any) -> Any:
    raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("probe_class", "method", "url", "kind"),
    [
        (HttpProbe, "_fetch", "http://127.0.0.1:9/", "http"),
        (TcpProbe, "_check", "tcp://127.0.0.1:9", "tcp"),
        (DnsProbe, "_resolver", "dns://example.com", "dns"),
        (PingProbe, "_check", "icmp://127.0.0.1", "ping"),
        (TlsProbe, "_handshake", "https://127.0.0.1:9/", "tls"),
    ],
)
async def test_a_bug_inside_any_probe_is_a_down_result_not_an_exception(
    monkeypatch: pytest.MonkeyPatch,
    make_job: MakeJob,
    probe_class: type[Any],
    method: str,
    url: str,
    kind: str,
) -> None:
    monkeypatch.setattr(probe_class, method, _boom)
    probe = probe_class()
    try:
        result = await probe.check(make_job(url, kind=kind))
    finally:
        await probe.close()

    assert not result.up
    assert result.error == "internal probe error: RuntimeError: boom"
