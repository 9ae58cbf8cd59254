"""What the HTTP probe reads of a response, and how one is judged: shared by one-request
checks (probes.http) and multi-step ones (probes.multistep)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp

from betteruptime.domain.assertions import ResponseFacts, evaluate
from betteruptime.domain.messages import ProbeSpec, Timings

MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Exchange:
    """One request's outcome: the response, or why none came (`error`), and its timings."""

    response: Fetched | None
    error: str | None
    timings: Timings


@dataclass(frozen=True)
class Fetched:
    """One response as read: status, headers, up to MAX_BODY_BYTES of body."""

    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool

    def facts(self, response_time_ms: float) -> ResponseFacts:
        return ResponseFacts(
            status_code=self.status,
            body=self.body.decode("utf-8", errors="replace"),
            response_time_ms=response_time_ms,
            body_truncated=self.truncated,
            headers=self.headers,
        )


def joined_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers by lowercase name; one sent several times is its values joined by ", "."""
    joined: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        joined[key] = f"{joined[key]}, {value}" if key in joined else value
    return joined


async def judge_response(spec: ProbeSpec, facts: ResponseFacts) -> list[str]:
    """The failures of `facts` against `spec` (domain.assertions.evaluate). With a
    regular expression among them, in a thread: each may take up to its time limit,
    which the event loop of every other check must not wait for."""
    if any(assertion.comparison == "matches" for assertion in spec.assertions):
        return await asyncio.to_thread(evaluate, spec, facts)
    return evaluate(spec, facts)


async def read_body(response: aiohttp.ClientResponse) -> tuple[bytes, bool]:
    """Up to MAX_BODY_BYTES of the body, and whether there was more."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BODY_BYTES:
        chunk = await response.content.read(MAX_BODY_BYTES + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    data = b"".join(chunks)
    return data[:MAX_BODY_BYTES], size > MAX_BODY_BYTES
