"""Taking the machine's PostgreSQL, RabbitMQ or Redis down for a while and bringing it
back, as an operator's restart would: the project's own scripts/lib/services.sh starts
whatever is down again, the way CI starts them."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from testkit.engines import service_missing

ROOT = Path(__file__).resolve().parents[2]
# Stops one engine; each needs the tool beside it on PATH (and root, as CI runs).
STOP_COMMANDS: dict[str, list[str]] = {
    "rabbitmq": ["rabbitmqctl", "stop_app"],
    "redis": ["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"],
    "postgresql": [
        "pg_ctlcluster",
        "--skip-systemctl-redirect",
        "15",
        "main",
        "stop",
        "-m",
        "fast",
    ],
}
START_COMMANDS: dict[str, list[str]] = {
    "rabbitmq": ["rabbitmqctl", "start_app"],
}


async def _run(command: list[str]) -> None:
    process = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=ROOT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, f"{' '.join(command)} failed:\n{output.decode()}"


def _postgres_version() -> str:
    versions = (
        sorted(p.name for p in Path("/etc/postgresql").iterdir())
        if Path("/etc/postgresql").is_dir()
        else []
    )
    if not versions:
        service_missing("no local PostgreSQL cluster (/etc/postgresql) to restart")
    return versions[-1]


@asynccontextmanager
async def engine_down(name: str) -> AsyncIterator[None]:
    """`name` stopped inside the block, started again when it ends (whatever happens)."""
    stop = list(STOP_COMMANDS[name])
    if shutil.which(stop[0]) is None:
        service_missing(f"{stop[0]} not found: cannot restart {name}")
    if name == "postgresql":
        stop[2] = _postgres_version()
    await _run(stop)
    try:
        yield
    finally:
        if name in START_COMMANDS:
            await _run(START_COMMANDS[name])
        await _run(["bash", "-c", ". scripts/lib/services.sh && ensure_services"])
