"""Assertions judged by the worker's probes against real local servers: a response's
headers and JSON, a slow regular expression, an HTTPS certificate's days left."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any, Protocol

import pytest

from betteruptime.domain.messages import CheckJob
from betteruptime.probes.http import HttpProbe
from betteruptime.probes.registry import Probes
from testkit.tls_server import TlsServer, make_ca

MakeJob = Callable[..., CheckJob]


class LocalServer(Protocol):
    def url(self, path: str) -> str: ...


def row(
    source: str, comparison: str, target: Any = None, prop: str | None = None
) -> dict[str, Any]:
    return {"source": source, "property": prop, "comparison": comparison, "target": target}


@pytest.fixture
async def probes() -> AsyncIterator[Probes]:
    dispatcher = Probes()
    yield dispatcher
    await dispatcher.close()


async def test_header_and_json_assertions_pass_on_a_matching_response(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    job = make_job(
        http_server.url("/json"),
        assertions=[
            row("header", "contains", "application/json", "content-type"),
            row("json_body", "equals", "ok", "$.status"),
            row("response_time", "less_than", "5000"),
        ],
    )

    result = await probe.check(job)

    assert result.up, result.error


async def test_every_failed_assertion_is_named_in_the_error(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    job = make_job(
        http_server.url("/ok"),
        assertions=[
            row("header", "contains", "json", "Content-Type"),
            row("text_body", "contains", "Welcome"),
            row("json_body", "exists", None, "$.status"),
        ],
    )

    result = await probe.check(job)

    assert not result.up
    assert result.error == (
        'header Content-Type: expected to contain "json", got "text/plain; charset=utf-8"; '
        "JSON $.status: expected to exist, but the body is not valid JSON"
    )


async def test_a_catastrophic_regular_expression_fails_within_its_time_limit(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    job = make_job(http_server.url("/big"), assertions=[row("text_body", "matches", "(x|xx)+y$")])
    started = time.perf_counter()

    result = await probe.check(job)

    assert time.perf_counter() - started < 3
    assert not result.up
    assert result.error is not None
    assert "the regular expression took longer than 100 ms and was stopped" in result.error


async def test_certificate_days_are_judged_for_an_https_monitor_and_a_tls_one(
    probes: Probes, make_job: MakeJob
) -> None:
    days = [row("certificate_days", "greater_than", "30")]
    async with TlsServer(make_ca(), expires_in=timedelta(days=10)) as server:
        http = await probes.check(make_job(server.url("/"), verify_tls=False, assertions=days))
        tls = await probes.check(
            make_job(server.url("/"), kind="tls", verify_tls=False, assertions=days)
        )
        fine = await probes.check(
            make_job(
                server.url("/"),
                verify_tls=False,
                assertions=[row("certificate_days", "less_than", "11")],
            )
        )

    expected = "certificate days left: expected to be greater than 30, got 9"
    assert (http.up, http.error, http.status_code) == (False, expected, 200)
    assert (tls.up, tls.error) == (False, expected)
    assert fine.up, fine.error
    assert http.cert_expires_at is not None
