"""A Redis of the test's own, on a free loopback port, started the way
scripts/lib/services.sh starts the shared one (no persistence: `--save ""`,
`--appendonly no`), so a test can restart it and lose what it held without touching
the Redis everybody else uses."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import redis.asyncio as redis

from testkit.engines import service_missing
from testkit.waiting import eventually, free_port


class PrivateRedis:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self._process: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            service_missing("redis-server is not installed")
            return
        self.starts += 1
        self._process = await asyncio.create_subprocess_exec(
            binary,
            *("--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--dir", str(self.folder), "--daemonize", "no"),
            *("--logfile", str(self.folder / f"redis-{self.starts}.log")),
        )
        await eventually(self._answers, within=10, what=f"redis-server on port {self.port}")

    async def _answers(self) -> bool:
        client = redis.from_url(self.url, socket_connect_timeout=1)
        try:
            return bool(await client.ping())
        except redis.ConnectionError:
            return False
        finally:
            await client.aclose()

    async def stop(self) -> None:
        """SIGTERM: without persistence configured, everything it held is gone."""
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            await asyncio.wait_for(self._process.wait(), 10)
        self._process = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()
