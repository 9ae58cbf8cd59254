"""The distributed mode as an operator runs it: each role its own `betteruptime`
process on PostgreSQL, RabbitMQ and Redis, for the end-to-end and fault tests."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from testkit.api import wait_healthy
from testkit.engines import (
    RABBITMQ_URL,
    REDIS_URL,
    purge_rabbitmq_queues,
    reset_redis_stream,
)
from testkit.processes import BetterUptimeProcess
from testkit.waiting import free_port

STREAM_KEY = "betteruptime:events"
QUEUES = ["jobs.eu", "jobs.us", "jobs.default", "results", "workers"]


class Cluster:
    def __init__(self, folder: Path, database_url: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.env = {
            "DATABASE_URL": database_url,
            "RABBITMQ_URL": RABBITMQ_URL,
            "REDIS_URL": REDIS_URL,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "BETTERUPTIME_MIN_INTERVAL": "1",
            "BETTERUPTIME_SECRET_KEY": uuid.uuid4().hex * 2,
        }
        self.folder = folder
        self.roles: dict[str, BetterUptimeProcess] = {}

    def start(self, name: str, *args: str) -> BetterUptimeProcess:
        role = BetterUptimeProcess(list(args), folder=self.folder, env=self.env, name=name)
        self.roles[name] = role
        return role

    def logs(self) -> str:
        return "\n".join(f"--- {n}\n{r.log()[-3000:]}" for n, r in self.roles.items())

    def kill_all(self) -> None:
        for role in self.roles.values():
            role.kill()


async def clean_engines() -> None:
    """Empty the queues and the event stream a previous run may have left behind."""
    await purge_rabbitmq_queues(RABBITMQ_URL, QUEUES)
    await reset_redis_stream(REDIS_URL, STREAM_KEY)


@asynccontextmanager
async def api_cluster(folder: Path, database_url: str) -> AsyncIterator[Cluster]:
    """Clean engines and a healthy api (which migrates the database); the caller starts
    the other roles. Every role still running at the end is killed."""
    await clean_engines()
    running = Cluster(folder, database_url)
    running.start("api", "api")
    try:
        await wait_healthy(running.roles["api"], running.base)
        yield running
    finally:
        running.kill_all()


def active_scheduler(cluster: Cluster, names: tuple[str, ...]) -> str | None:
    leaders = [
        name
        for name in names
        if "event=leading" in cluster.roles[name].log() and cluster.roles[name].running()
    ]
    return leaders[-1] if leaders else None


def stopped_totals(role: BetterUptimeProcess) -> dict[str, int]:
    """The counters a role logs on a graceful stop (`event=stopped checked=… missed=…`)."""
    lines = [
        line
        for line in role.log().splitlines()
        if "event=stopped" in line and "component=role " not in line
    ]
    assert lines, f"{role.name} logged no graceful stop:\n{role.log()[-2000:]}"
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)\b", lines[-1])}
