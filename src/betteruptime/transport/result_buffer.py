"""Results published together: each add() resolves once its batch is on the queue.

The worker publishes its probes' results through it, the api its heartbeat pings: a few
milliseconds of collecting turn hundreds of publishes into one.
"""

from __future__ import annotations

import asyncio

from betteruptime.domain.messages import CheckResult
from betteruptime.transport.queues import ResultQueue

FLUSH_SECONDS = 0.05
FLUSH_SIZE = 200


class ResultBuffer:
    """Collects results and publishes them together; each add() resolves once published."""

    def __init__(
        self,
        results: ResultQueue,
        *,
        flush_size: int = FLUSH_SIZE,
        flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        self._results = results
        self._flush_size = flush_size
        self._flush_seconds = flush_seconds
        self._pending: list[tuple[CheckResult, asyncio.Future[None]]] = []
        self._lock = asyncio.Lock()
        self._timer: asyncio.TimerHandle | None = None

    async def add(self, result: CheckResult) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((result, done))
        if len(self._pending) >= self._flush_size:
            await self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(
                self._flush_seconds, lambda: asyncio.ensure_future(self.flush())
            )
        await done

    async def flush(self) -> None:
        async with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            pending, self._pending = self._pending, []
            if not pending:
                return
            try:
                await self._results.publish([result for result, _ in pending])
            except Exception as error:
                for _, done in pending:
                    if not done.done():
                        done.set_exception(error)
                return
            for _, done in pending:
                if not done.done():
                    done.set_result(None)
