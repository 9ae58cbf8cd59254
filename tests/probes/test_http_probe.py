"""The HTTP probe against real local servers: outcomes, timings and error texts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from betteruptime import __version__
from betteruptime.domain.messages import CheckJob
from betteruptime.probes.http import HttpProbe
from betteruptime.probes.registry import Probes

MakeJob = Callable[..., CheckJob]


class LocalServer(Protocol):
    """What the tests use of conftest's servers (conftest is not imported: pytest owns it)."""

    received: list[Any]

    def url(self, path: str) -> str: ...


async def test_it_reports_up_with_a_timing_breakdown(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    job = make_job(http_server.url("/ok"))
    before = datetime.now(UTC)

    result = await probe.check(job)

    assert result.up, result.error
    assert result.error is None
    assert result.status_code == 200
    assert (result.monitor_id, result.region, result.due_at) == (7, "eu-west", job.due_at)
    assert before <= result.checked_at <= datetime.now(UTC)
    timings = result.timings
    assert timings.dns_ms is not None and timings.dns_ms >= 0
    assert timings.connect_ms is not None and timings.connect_ms >= 0
    assert timings.tls_ms is None
    assert timings.first_byte_ms is not None and timings.total_ms is not None
    assert timings.dns_ms + timings.connect_ms <= timings.first_byte_ms <= timings.total_ms
    assert result.response_time_ms == timings.total_ms


async def test_it_reports_an_unexpected_status(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    result = await probe.check(make_job(http_server.url("/status/500")))

    assert not result.up
    assert result.status_code == 500
    assert result.error == "status 500, expected 200-299"
    assert result.response_time_ms is not None


async def test_it_finds_a_keyword_and_reports_a_missing_one(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    url = http_server.url("/ok")
    found = await probe.check(make_job(url, kind="keyword", keyword="Welcome"))
    missing = await probe.check(make_job(url, kind="keyword", keyword="Goodbye"))

    assert found.up
    assert not missing.up
    assert missing.error == 'keyword "Goodbye" not found in the response body'


async def test_it_reports_a_keyword_that_should_be_absent(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    url = http_server.url("/ok")
    absent = await probe.check(make_job(url, keyword="error", keyword_mode="absent"))
    present = await probe.check(make_job(url, keyword="Welcome", keyword_mode="absent"))

    assert absent.up
    assert present.error == 'keyword "Welcome" found in the response body (expected absent)'


async def test_it_searches_only_the_first_mebibyte_of_the_body(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    result = await probe.check(make_job(http_server.url("/big"), keyword="needle"))

    assert result.error == (
        'keyword "needle" not found in the response body '
        "(body truncated, only its start was searched)"
    )


async def test_it_checks_a_json_path(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    url = http_server.url("/json")
    equal = await probe.check(make_job(url, kind="json", json_path="$.status", json_expected="ok"))
    nested = await probe.check(make_job(url, kind="json", json_path="items.1.id", json_expected=2))
    differs = await probe.check(
        make_job(url, kind="json", json_path="$.status", json_expected="degraded")
    )

    assert equal.up and nested.up
    assert differs.error == 'JSON path $.status is "ok", expected "degraded"'


async def test_it_reports_a_body_that_is_not_json(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    job = make_job(http_server.url("/not-json"), kind="json", json_path="$.status")

    result = await probe.check(job)

    assert result.error == "response body is not valid JSON"


async def test_it_follows_redirects_and_keeps_the_first_hops_timings(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    result = await probe.check(make_job(http_server.url("/redirect")))

    assert result.up
    assert result.status_code == 200
    timings = result.timings
    assert timings.first_byte_ms is not None and timings.total_ms is not None
    assert timings.first_byte_ms <= timings.total_ms


async def test_it_judges_the_redirect_itself_when_not_following(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    url = http_server.url("/redirect")
    strict = await probe.check(make_job(url, follow_redirects=False))
    lenient = await probe.check(make_job(url, follow_redirects=False, expected_status=["3xx"]))

    assert strict.status_code == 302
    assert strict.error == "status 302, expected 200-299"
    assert lenient.up


async def test_it_gives_up_on_a_redirect_loop(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    result = await probe.check(make_job(http_server.url("/redirect-loop")))

    assert not result.up
    assert result.error == "too many redirects (more than 10)"


async def test_it_times_out_waiting_for_a_slow_response(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    result = await probe.check(make_job(http_server.url("/slow"), timeout_seconds=0.5))

    assert not result.up
    assert result.error == "timed out after 0.5 s (waiting for response)"
    assert result.timings.connect_ms is not None
    assert result.timings.total_ms is not None and result.timings.total_ms >= 450


async def test_it_times_out_reading_a_body_that_never_ends(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    result = await probe.check(make_job(http_server.url("/slow-body"), timeout_seconds=0.3))

    assert result.error == "timed out after 0.3 s (reading body)"
    assert result.timings.first_byte_ms is not None


async def test_it_reports_a_refused_connection(
    probe: HttpProbe, refused_port: int, make_job: MakeJob
) -> None:
    result = await probe.check(make_job(f"http://127.0.0.1:{refused_port}/"))

    assert not result.up
    assert result.error == f"connection refused by 127.0.0.1:{refused_port}"
    assert result.status_code is None and result.response_time_ms is None


async def test_it_reports_a_failed_dns_lookup(probe: HttpProbe, make_job: MakeJob) -> None:
    result = await probe.check(make_job("http://no-such-host.invalid/"))

    assert not result.up
    assert result.error is not None
    assert result.error.startswith("DNS lookup failed for no-such-host.invalid: ")


async def test_it_rejects_an_untrusted_certificate(
    probe: HttpProbe, https_server: LocalServer, make_job: MakeJob
) -> None:
    result = await probe.check(make_job(https_server.url("/ok")))

    assert not result.up
    assert result.error is not None
    assert result.error.startswith("TLS certificate verification failed for localhost: ")


async def test_it_skips_certificate_verification_when_asked(
    probe: HttpProbe, https_server: LocalServer, make_job: MakeJob
) -> None:
    result = await probe.check(make_job(https_server.url("/ok"), verify_tls=False))

    assert result.up, result.error
    assert result.timings.tls_ms is not None and result.timings.tls_ms > 0
    assert result.timings.connect_ms is not None


async def test_it_sends_the_method_body_and_headers(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    job = make_job(
        http_server.url("/echo"),
        method="post",
        body='{"ping": true}',
        headers={"Content-Type": "application/json", "X-Token": "abc"},
    )

    result = await probe.check(job)

    assert result.up, result.error
    (received,) = http_server.received
    assert received.method == "POST"
    assert received.body == b'{"ping": true}'
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["X-Token"] == "abc"


async def test_it_names_itself_and_its_region_in_the_user_agent(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    await probe.check(make_job(http_server.url("/echo"), region="ap-south"))

    user_agent = http_server.received[0].headers["User-Agent"]
    assert user_agent.startswith(f"BetterUptime/{__version__} (region=ap-south;")


async def test_it_keeps_a_user_agent_set_by_the_monitor(
    probe: HttpProbe, http_server: LocalServer, make_job: MakeJob
) -> None:
    await probe.check(make_job(http_server.url("/echo"), headers={"user-agent": "Mine/1.0"}))

    assert http_server.received[0].headers["User-Agent"] == "Mine/1.0"


async def test_it_never_raises_and_never_shows_a_password(
    probe: HttpProbe, make_job: MakeJob
) -> None:
    urls = ["ftp://example.invalid/", "not a url", "http://user:s3cret@[::1/", "http://:99999/"]

    for url in urls:
        result = await probe.check(make_job(url))

        assert not result.up, url
        assert result.error, url
        assert "s3cret" not in result.error
        assert "Traceback" not in result.error


async def test_the_registry_dispatches_http_kinds_and_refuses_others(
    http_server: LocalServer, make_job: MakeJob
) -> None:
    probes = Probes()
    try:
        keyword_job = make_job(http_server.url("/ok"), kind="keyword", keyword="Welcome")
        http = await probes.check(keyword_job)
        heartbeat = await probes.check(make_job("", kind="heartbeat"))
    finally:
        await probes.close()

    assert http.up
    assert not heartbeat.up
    assert heartbeat.error == 'monitor kind "heartbeat" is not supported by this worker'
