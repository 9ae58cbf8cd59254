"""The HTTP probe: one request per check, timed phase by phase, judged by assertions.

Used for the `http`, `keyword` and `json` monitor kinds. All checks share one
aiohttp session, but every check opens a fresh connection and resolves DNS afresh,
so its timing breakdown shows what a first-time visitor would see.
"""

from __future__ import annotations

import asyncio
import errno
import sys
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import aiohappyeyeballs
import aiohttp
from aiohttp.client_exceptions import cert_errors, ssl_errors
from aiohttp.client_proto import ResponseHandler
from aiohttp.client_reqrep import ClientRequest
from aiohttp.helpers import ceil_timeout
from yarl import URL

from betteruptime import __version__
from betteruptime.domain.addresses import TargetPolicy, refusal
from betteruptime.domain.assertions import summarize
from betteruptime.domain.messages import CheckJob, CheckResult, ProbeSpec, Timings
from betteruptime.probes.http_response import (
    Exchange,
    Fetched,
    joined_headers,
    judge_response,
    read_body,
)
from betteruptime.probes.results import guarded, make_result

MAX_REDIRECTS = 10
USER_AGENT = (
    "BetterUptime/{version} (region={region}; +https://github.com/betteruptime/betteruptime)"
)


@dataclass
class _Timeline:
    """Marks (perf_counter seconds) and the current phase of one check.

    With redirects followed, marks are kept for the first hop only (the URL the user
    configured; later hops would overwrite its DNS/connect/TLS marks with a different
    host's), while the total covers the whole chain, which is what a visitor waits for.
    """

    marks: dict[str, float] = field(default_factory=dict)
    phase: str = "starting"
    hop: int = 0

    def mark(self, name: str) -> None:
        if self.hop == 0:
            self.marks.setdefault(name, time.perf_counter())

    def finish(self) -> None:
        """Mark the end of the check; unlike the other marks it ends the whole chain."""
        self.marks.setdefault("done", time.perf_counter())

    def span(self, start: str, end: str) -> float | None:
        if start in self.marks and end in self.marks:
            return round((self.marks[end] - self.marks[start]) * 1000, 3)
        return None

    def timings(self) -> Timings:
        return Timings(
            dns_ms=self.span("dns_start", "dns_end"),
            connect_ms=self.span("tcp_start", "tcp_end"),
            tls_ms=self.span("tls_start", "tls_end"),
            first_byte_ms=self.span("request_start", "headers"),
            total_ms=self.span("request_start", "done"),
        )


# The connector and the trace callbacks run inside the task that calls check(), so a
# context variable hands them that check's timeline without any shared mutable state.
_timeline: ContextVar[_Timeline | None] = ContextVar("betteruptime_http_timeline", default=None)


def _mark(name: str, phase: str | None = None) -> None:
    timeline = _timeline.get()
    if timeline is not None:
        timeline.mark(name)
        if phase is not None:
            timeline.phase = phase


class GuardedConnector(aiohttp.TCPConnector):
    """A TCPConnector that refuses addresses the target policy forbids (the SSRF guard),
    after DNS, on the very addresses about to be connected to; every redirect's hop
    connects through it too."""

    def __init__(self, *, policy: TargetPolicy | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._policy = policy

    def _vet(
        self,
        addr_infos: list[aiohappyeyeballs.AddrInfoType],
        req: ClientRequest,
        client_error: type[Exception],
    ) -> None:
        if self._policy is None:
            return
        for info in addr_infos:
            reason = refusal(str(info[4][0]), self._policy)
            if reason is not None:
                raise client_error(req.connection_key, OSError(f"refused: {reason}"))

    async def _wrap_create_connection(
        self,
        *args: Any,
        addr_infos: list[aiohappyeyeballs.AddrInfoType],
        req: ClientRequest,
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 (aiohttp's signature)
        client_error: type[Exception] = aiohttp.ClientConnectorError,
        **kwargs: Any,
    ) -> tuple[asyncio.Transport, ResponseHandler]:
        self._vet(addr_infos, req, client_error)
        return await super()._wrap_create_connection(
            *args,
            addr_infos=addr_infos,
            req=req,
            timeout=timeout,
            client_error=client_error,
            **kwargs,
        )


class _TimedConnector(GuardedConnector):
    """A GuardedConnector that also marks when the TCP connection and the TLS handshake
    end."""

    async def _wrap_create_connection(
        self,
        *args: Any,
        addr_infos: list[aiohappyeyeballs.AddrInfoType],
        req: ClientRequest,
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 (aiohttp's signature)
        client_error: type[Exception] = aiohttp.ClientConnectorError,
        **kwargs: Any,
    ) -> tuple[asyncio.Transport, ResponseHandler]:
        # A copy of aiohttp 3.14's method with the _mark() calls added: TCP connect and
        # TLS handshake are two awaits inside it, with no hook in between.
        tls = bool(kwargs.get("ssl"))
        self._vet(addr_infos, req, client_error)
        try:
            async with ceil_timeout(timeout.sock_connect, ceil_threshold=timeout.ceil_threshold):
                _mark("tcp_start", "connecting")
                sock = await aiohappyeyeballs.start_connection(
                    addr_infos=addr_infos,
                    local_addr_infos=self._local_addr_infos,
                    happy_eyeballs_delay=self._happy_eyeballs_delay,
                    interleave=self._interleave,
                    loop=self._loop,
                    socket_factory=self._socket_factory,
                )
                _mark("tcp_end", "TLS handshake" if tls else "sending request")
                if tls:
                    _mark("tls_start")
                if tls and self._ssl_shutdown_timeout and sys.version_info >= (3, 11):
                    kwargs["ssl_shutdown_timeout"] = self._ssl_shutdown_timeout
                connection = await self._loop.create_connection(*args, **kwargs, sock=sock)
                if tls:
                    _mark("tls_end", "sending request")
                return connection
        except cert_errors as exc:
            raise aiohttp.ClientConnectorCertificateError(req.connection_key, exc) from exc
        except ssl_errors as exc:
            raise aiohttp.ClientConnectorSSLError(req.connection_key, exc) from exc
        except OSError as exc:
            if exc.errno is None and isinstance(exc, asyncio.TimeoutError):
                raise
            raise client_error(req.connection_key, exc) from exc


async def _on_request_start(_s: Any, _c: SimpleNamespace, _p: Any) -> None:
    _mark("request_start", "connecting")


async def _on_dns_start(_s: Any, _c: SimpleNamespace, _p: Any) -> None:
    _mark("dns_start", "DNS lookup")


async def _on_dns_end(_s: Any, _c: SimpleNamespace, _p: Any) -> None:
    _mark("dns_end", "connecting")


async def _on_headers_sent(_s: Any, _c: SimpleNamespace, _p: Any) -> None:
    _mark("request_sent", "waiting for response")


async def _on_redirect(_s: Any, _c: SimpleNamespace, _p: Any) -> None:
    _mark("headers", "following redirect")
    timeline = _timeline.get()
    if timeline is not None:
        timeline.hop += 1


async def _on_request_end(_s: Any, _c: SimpleNamespace, _p: Any) -> None:
    _mark("headers", "reading body")


def _trace_config() -> aiohttp.TraceConfig:
    config = aiohttp.TraceConfig()
    config.on_request_start.append(_on_request_start)
    config.on_dns_resolvehost_start.append(_on_dns_start)
    config.on_dns_resolvehost_end.append(_on_dns_end)
    config.on_request_headers_sent.append(_on_headers_sent)
    config.on_request_redirect.append(_on_redirect)
    config.on_request_end.append(_on_request_end)
    return config


class HttpProbe:
    """Checks HTTP(S) URLs. Create and use it inside one running event loop."""

    def __init__(self, policy: TargetPolicy | None = None) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._policy = policy

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # force_close + no DNS cache: each check connects from scratch (honest
            # timings); limit=0: concurrency is bounded by the worker, not here.
            connector = _TimedConnector(
                policy=self._policy, force_close=True, limit=0, use_dns_cache=False
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trace_configs=[_trace_config()],
                # Checks of different monitors must not share cookies.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def close(self) -> None:
        """Close the shared session; a later check() opens a new one."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def check(self, job: CheckJob) -> CheckResult:
        """Run one check. Never raises (except on cancellation): failures are results."""
        timeline = _Timeline()
        token = _timeline.set(timeline)
        try:
            return await guarded(
                job,
                lambda checked_at: self._check(job, checked_at, timeline),
                timings=timeline.timings,
                redact=lambda text: _redact(text, job.spec.url),
            )
        finally:
            _timeline.reset(token)

    async def exchange(self, spec: ProbeSpec, region: str) -> Exchange:
        """One request and its answer, timed, not judged: for checks made of several
        requests (multistep). Failures to get an answer are in `error`; only bugs and
        cancellation raise. The target policy applies as to every check."""
        timeline = _Timeline()
        token = _timeline.set(timeline)
        try:
            return await self._exchange(spec, region, timeline)
        finally:
            _timeline.reset(token)

    async def _exchange(self, spec: ProbeSpec, region: str, timeline: _Timeline) -> Exchange:
        try:
            response = await self._fetch(spec, region)
        except (aiohttp.ClientError, TimeoutError) as exc:
            timeline.finish()
            return Exchange(None, _describe(exc, spec, timeline), timeline.timings())
        timeline.finish()
        return Exchange(response, None, timeline.timings())

    async def _check(self, job: CheckJob, checked_at: datetime, timeline: _Timeline) -> CheckResult:
        spec = job.spec
        exchange = await self._exchange(spec, job.region, timeline)
        response = exchange.response
        if response is None:
            return _result(job, checked_at, timeline, error=exchange.error)
        timings = exchange.timings
        facts = response.facts(timings.total_ms or 0.0)
        failures = await judge_response(spec, facts)
        return _result(
            job,
            checked_at,
            timeline,
            up=not failures,
            status_code=response.status,
            response_time_ms=timings.total_ms,
            error=summarize(failures),
        )

    async def _fetch(self, spec: ProbeSpec, region: str) -> Fetched:
        session = self._get_session()
        async with session.request(
            spec.method.upper(),
            spec.url,
            headers=_headers(spec, region),
            data=spec.body.encode() if spec.body is not None else None,
            allow_redirects=spec.follow_redirects,
            # aiohttp fails when the redirect count reaches max_redirects; we allow
            # MAX_REDIRECTS hops and fail on the one after.
            max_redirects=MAX_REDIRECTS + 1,
            timeout=aiohttp.ClientTimeout(total=spec.timeout_seconds),
            # False: TLS without certificate verification, for this request only.
            ssl=spec.verify_tls,
        ) as response:
            body, truncated = await read_body(response)
            return Fetched(response.status, joined_headers(response.headers), body, truncated)


def _headers(spec: ProbeSpec, region: str) -> dict[str, str]:
    headers = dict(spec.headers)
    if not any(name.lower() == "user-agent" for name in headers):
        headers["User-Agent"] = USER_AGENT.format(version=__version__, region=region)
    return headers


def _result(
    job: CheckJob,
    checked_at: datetime,
    timeline: _Timeline,
    *,
    up: bool = False,
    status_code: int | None = None,
    response_time_ms: float | None = None,
    error: str | None = None,
) -> CheckResult:
    # On errors total_ms is the time until the failure; response_time_ms stays None
    # because no response came.
    return make_result(
        job,
        checked_at,
        up=up,
        response_time_ms=response_time_ms,
        status_code=status_code,
        error=error,
        timings=timeline.timings(),
    )


def _describe(exc: BaseException, spec: ProbeSpec, timeline: _Timeline) -> str:
    """A short error text for a failed request: what failed and where, no traceback."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"DNS lookup failed for {exc.host}: {_reason(exc.os_error)}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        reason = _reason(exc.certificate_error)
        return f"TLS certificate verification failed for {exc.host}: {reason}"
    if isinstance(exc, aiohttp.ClientConnectorSSLError):
        return f"TLS handshake failed for {exc.host}: {_reason(exc.os_error)}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        if exc.os_error.errno == errno.ECONNREFUSED:
            return f"connection refused by {exc.host}:{exc.port}"
        return f"could not connect to {exc.host}:{exc.port}: {_reason(exc.os_error)}"
    if isinstance(exc, TimeoutError):
        return f"timed out after {spec.timeout_seconds:g} s ({timeline.phase})"
    if isinstance(exc, aiohttp.TooManyRedirects):
        return f"too many redirects (more than {MAX_REDIRECTS})"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return f"server closed the connection ({timeline.phase})"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return f"response body could not be read: {_redact(str(exc), spec.url)}"
    if isinstance(exc, aiohttp.NonHttpUrlClientError):
        return "unsupported URL scheme, expected http:// or https://"
    if isinstance(exc, aiohttp.InvalidURL):
        return "invalid URL"  # aiohttp's text repeats the URL, which may hold a password
    return _redact(f"request failed: {type(exc).__name__}: {exc}", spec.url)


def _reason(error: BaseException) -> str:
    for attribute in ("verify_message", "reason", "strerror"):
        value = getattr(error, attribute, None)
        if value:
            return str(value)
    return str(error) or type(error).__name__


def _redact(text: str, url: str) -> str:
    """`text` with the URL's password (raw and decoded) replaced by ***."""
    try:
        parsed = URL(url)
    except ValueError:
        return text
    for secret in (parsed.raw_password, parsed.password):
        if secret:
            text = text.replace(secret, "***")
    return text
