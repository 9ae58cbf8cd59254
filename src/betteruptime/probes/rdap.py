"""Asking registries about domains over RDAP, for the domain expiry checks.

The IANA bootstrap file (BETTERUPTIME_RDAP_BOOTSTRAP_URL) says which RDAP server answers
for each top-level domain; that server's `domain/<name>` answer holds the expiration
date (domain/rdap.py reads both). A worker has no database, so what it learnt is kept in
its memory:

- the bootstrap file for a day (when a refresh fails, the old file is kept);
- each domain's answer for 12 hours, so a domain is asked about at most twice a day per
  worker process however many monitors watch it and however often they run; a failed
  lookup for 10 minutes, so a registry that is down or refuses is not asked every second;
- when a refresh fails, the last answer (up to 3 days old) is used instead, so a
  registry's hiccup does not take every monitor of its TLD down: an expiry date only
  ever moves later, on renewal.

Concurrent checks of one domain share one request. Every request goes through the
SSRF guard, as the probes' own connections do.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from betteruptime import __version__
from betteruptime.domain.addresses import TargetPolicy
from betteruptime.domain.rdap import (
    RdapError,
    Registration,
    domain_query_url,
    parse_domain_answer,
    rdap_bases,
)
from betteruptime.logs import get_logger, kv
from betteruptime.probes.http import GuardedConnector
from betteruptime.probes.results import CheckFailed

log = get_logger("rdap")

IANA_BOOTSTRAP_URL = "https://data.iana.org/rdap/dns.json"
BOOTSTRAP_TTL = 24 * 3600.0
ANSWER_TTL = 12 * 3600.0
FAILURE_TTL = 600.0
STALE_LIMIT = 3 * 24 * 3600.0
# The bootstrap file is about 40 kB, a domain answer a few kB.
MAX_BYTES = 1024 * 1024
MAX_REDIRECTS = 5
# Domains remembered at once; beyond it the oldest answers are forgotten first.
MAX_DOMAINS = 100_000
USER_AGENT = f"BetterUptime/{__version__} (+https://github.com/betteruptime/betteruptime)"
HEADERS = {"Accept": "application/rdap+json, application/json", "User-Agent": USER_AGENT}


@dataclass(frozen=True, slots=True)
class Lookup:
    """A registration as known now: when the registry said it, and why a later attempt
    to ask again failed (None: this is the latest answer)."""

    registration: Registration
    answered_at: datetime
    refresh_error: str | None = None


@dataclass(slots=True)
class _Entry:
    at: float  # the clock's time of the attempt
    lookup: Lookup | None  # the last good answer (possibly older than `at`)
    error: str | None  # why the attempt at `at` failed; None: it gave `lookup`


class RdapClient:
    """Looks domains up over RDAP with the caches described above. Create and use it in
    one running event loop; `clock` (seconds, monotonic) is for tests."""

    def __init__(
        self,
        *,
        bootstrap_url: str = IANA_BOOTSTRAP_URL,
        policy: TargetPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bootstrap_url = bootstrap_url
        self._policy = policy
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None
        self._bootstrap: tuple[float, dict[str, Any]] | None = None
        self._bootstrap_failed: tuple[float, str] | None = None
        self._entries: dict[str, _Entry] = {}
        self._in_flight: dict[str, asyncio.Task[_Entry]] = {}
        # Lookups that went to the registry (not answered from memory), for tests.
        self.queries = 0

    async def close(self) -> None:
        for task in self._in_flight.values():
            task.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def lookup(self, domain: str, *, timeout: float) -> Lookup:  # noqa: ASYNC109
        """The registration of `domain` (a registrable domain in A-labels); CheckFailed
        with the reason, worded for the user, when none can be had."""
        entry = self._entries.get(domain)
        if entry is None or self._expired(entry):
            entry = await self._refreshed(domain, timeout)
        if entry.lookup is None:
            raise CheckFailed(entry.error or f"no RDAP answer for {domain}")
        if entry.error is not None:
            return Lookup(entry.lookup.registration, entry.lookup.answered_at, entry.error)
        return entry.lookup

    def _expired(self, entry: _Entry) -> bool:
        ttl = FAILURE_TTL if entry.error is not None else ANSWER_TTL
        return self._clock() - entry.at >= ttl

    async def _refreshed(self, domain: str, timeout: float) -> _Entry:  # noqa: ASYNC109
        task = self._in_flight.get(domain)
        if task is None:
            task = asyncio.create_task(self._ask(domain, timeout))
            self._in_flight[domain] = task
            task.add_done_callback(lambda _: self._in_flight.pop(domain, None))
        # Shielded: one check giving up (its own timeout) leaves the others their answer.
        return await asyncio.shield(task)

    async def _ask(self, domain: str, timeout: float) -> _Entry:  # noqa: ASYNC109
        previous = self._entries.get(domain)
        started = self._clock()
        try:
            async with asyncio.timeout(timeout):
                registration = await self._registration(domain)
        except TimeoutError:
            error = f"RDAP lookup of {domain} timed out after {timeout:g} s"
        except CheckFailed as failed:
            error = str(failed)
        else:
            entry = _Entry(started, Lookup(registration, datetime.now(UTC)), None)
            self._remember(domain, entry)
            return entry
        log.info(kv(event="rdap_failed", domain=domain, error=error))
        last = previous.lookup if previous is not None else None
        if last is not None and (datetime.now(UTC) - last.answered_at).total_seconds() > (
            STALE_LIMIT
        ):
            last = None
        entry = _Entry(started, last, error)
        self._remember(domain, entry)
        return entry

    def _remember(self, domain: str, entry: _Entry) -> None:
        self._entries.pop(domain, None)  # re-inserted last: dicts keep insertion order
        self._entries[domain] = entry
        while len(self._entries) > MAX_DOMAINS:
            del self._entries[next(iter(self._entries))]

    async def _registration(self, domain: str) -> Registration:
        self.queries += 1
        bases = rdap_bases(await self._bootstrap_file(), domain)
        if not bases:
            tld = domain.rsplit(".", 1)[-1]
            raise CheckFailed(
                f"no RDAP server is known for .{tld} (IANA bootstrap file): its registry "
                "does not publish registrations over RDAP"
            )
        url = domain_query_url(bases[0], domain)
        answer = await self._get_json(url, what=f"the RDAP answer for {domain}", domain=domain)
        try:
            return parse_domain_answer(answer, domain=domain, rdap_url=url)
        except RdapError as error:
            raise CheckFailed(str(error)) from None

    async def _bootstrap_file(self) -> dict[str, Any]:
        now = self._clock()
        if self._bootstrap is not None and now - self._bootstrap[0] < BOOTSTRAP_TTL:
            return self._bootstrap[1]
        failed = self._bootstrap_failed
        if failed is not None and now - failed[0] < FAILURE_TTL and self._bootstrap is None:
            raise CheckFailed(failed[1])
        try:
            found = await self._get_json(self._bootstrap_url, what="the IANA RDAP bootstrap file")
            if not isinstance(found, dict):
                raise CheckFailed("the IANA RDAP bootstrap file is not a JSON object")
            rdap_bases(found, "example")  # refuses a file without services
        except RdapError as error:
            failure: str = str(error)
        except CheckFailed as error:
            failure = str(error)
        else:
            self._bootstrap, self._bootstrap_failed = (now, found), None
            return found
        self._bootstrap_failed = (now, failure)
        if self._bootstrap is not None:  # keep using yesterday's file
            log.warning(kv(event="rdap_bootstrap_stale", error=failure))
            return self._bootstrap[1]
        raise CheckFailed(failure)

    async def _get_json(self, url: str, *, what: str, domain: str | None = None) -> Any:
        host = urlsplit(url).hostname or url
        try:
            async with self._get_session().get(
                url, headers=HEADERS, max_redirects=MAX_REDIRECTS
            ) as response:
                if response.status != 200:
                    raise CheckFailed(_status_failure(what, url, response, domain))
                body = await response.content.read(MAX_BYTES + 1)
        except aiohttp.TooManyRedirects:
            raise CheckFailed(f"{what}: too many redirects from {url}") from None
        except aiohttp.ClientConnectorError as error:
            reason = error.os_error.strerror or str(error.os_error)
            raise CheckFailed(f"could not reach the RDAP server {host}: {reason}") from None
        except aiohttp.ClientError as error:
            raise CheckFailed(f"{what} could not be read from {host}: {error}") from None
        if len(body) > MAX_BYTES:
            raise CheckFailed(f"{what} is larger than {MAX_BYTES // 1024} KiB")
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise CheckFailed(f"{what} is not JSON ({url})") from None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=GuardedConnector(policy=self._policy, limit=20),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session


def _status_failure(
    what: str, url: str, response: aiohttp.ClientResponse, domain: str | None
) -> str:
    status = f"{response.status} {response.reason or ''}".strip()
    if response.status == 404 and domain is not None:
        return f"the registry has no domain {domain}: {url} answered {status}"
    if response.status == 429:
        return f"the RDAP server refused for now, too many requests: {url} answered {status}"
    return f"{what} could not be had: {url} answered HTTP {status}"
