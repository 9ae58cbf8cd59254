"""The interface every probe implements."""

from __future__ import annotations

from typing import Protocol

from betteruptime.domain.messages import CheckJob, CheckResult


class Probe(Protocol):
    """Runs checks of one or more monitor kinds.

    `check` never raises for a failed check (bad URL, refused connection, timeout,
    even a bug in the probe): every outcome is a CheckResult, down with an error text.
    Only cancellation propagates. `close` releases what the probe holds open.
    """

    async def check(self, job: CheckJob) -> CheckResult: ...

    async def close(self) -> None: ...
