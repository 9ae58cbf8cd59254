"""Starting `betteruptime <command>` as a child process, its output kept in a log file,
and reading what it cost (CPU seconds, peak memory) before it is stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from betteruptime.db.session import create_engine

_TICKS = os.sysconf("SC_CLK_TCK")
# A role that drains in-flight work (checks time out within seconds) stops well within this.
STOP_WITHIN = 30.0


def start_role(args: list[str], env: dict[str, str], folder: Path) -> subprocess.Popen[bytes]:
    log = (folder / f"{args[0]}.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "betteruptime", *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=folder,
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) so far, from /proc/<pid>/stat."""
    # The command name (field 2) may hold spaces: split after its closing parenthesis.
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# Engine → the command name of its processes.
ENGINES = {"postgresql": "postgres", "rabbitmq": "beam.smp", "redis": "redis-server"}


def _stat(pid: str) -> tuple[str, int, float]:
    """(command name, parent pid, CPU seconds of the process and of its reaped children)."""
    head, _, rest = Path(f"/proc/{pid}/stat").read_text().rpartition(")")
    fields = rest.split()
    spent = sum(int(value) for value in fields[11:15]) / _TICKS  # utime stime cutime cstime
    return head.partition("(")[2], int(fields[1]), spent


def engines_cpu_seconds() -> dict[str, float]:
    """CPU seconds so far of each engine's process trees on this machine (PostgreSQL with
    its backends, RabbitMQ, Redis): every process under a process of the engine's name
    whose parent is not one, with the CPU of children they have reaped (cutime, cstime),
    so a backend that ends inside a window still counts. What the product makes them
    spend shows as the difference over a window (on a shared machine, others' too)."""
    processes: dict[int, tuple[str, int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                processes[int(entry.name)] = _stat(entry.name)
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
    children: dict[int, list[int]] = {}
    for pid, (_, parent, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    spent = dict.fromkeys(ENGINES, 0.0)
    for engine, name in ENGINES.items():
        roots = [
            pid
            for pid, (comm, parent, _) in processes.items()
            if comm == name and processes.get(parent, ("",))[0] != name
        ]
        while roots:
            pid = roots.pop()
            spent[engine] += processes[pid][2]
            roots += children.get(pid, [])
    return spent


async def backends_cpu_s(engine: AsyncEngine) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving the engine's database (pids
    from pg_stat_activity, CPU from /proc: the server must run on this machine); {} on
    SQLite. On a machine shared with other work this, unlike the engine's process tree,
    is what our database cost."""
    if engine.dialect.name != "postgresql":
        return {}
    async with engine.connect() as connection:
        pids = list(
            await connection.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            )
        )
    spent = {}
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, PermissionError):
            spent[pid] = cpu_seconds(pid)
    return spent


def spent_since(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds processes spent between two readings (one that started in between
    counts whole; one that ended in between is lost)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


async def own_backends(url: str) -> dict[int, float]:
    engine = create_engine(url)
    try:
        return await backends_cpu_s(engine)
    finally:
        await engine.dispose()


def usage(pid: int) -> dict[str, float]:
    """CPU seconds and peak RSS of a live process; zeros if it has already ended."""
    try:
        return {"cpu_s": cpu_seconds(pid), "peak_rss_mb": peak_rss_mb(pid)}
    except (FileNotFoundError, ProcessLookupError):
        return {"cpu_s": 0.0, "peak_rss_mb": 0.0}


def stop_roles(
    roles: dict[str, subprocess.Popen[bytes]], *, within: float = STOP_WITHIN
) -> dict[str, dict[str, Any]]:
    """SIGTERM every role (in the given order), after reading each one's total CPU seconds
    and peak RSS, then wait for them to end; one still running `within` seconds later is
    killed, and its `stopped` says so (a shutdown that does not drain is a finding, not a
    reason to lose the figures). Returns those figures by role name."""
    spent: dict[str, dict[str, Any]] = {name: {**usage(role.pid)} for name, role in roles.items()}
    for role in roles.values():
        if role.poll() is None:
            role.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + within
    for name, role in roles.items():
        try:
            code = role.wait(timeout=max(0.1, deadline - time.monotonic()))
            spent[name]["stopped"] = f"exit code {code}"
        except subprocess.TimeoutExpired:
            after = usage(role.pid)
            role.kill()
            role.wait()
            spent[name]["stopped"] = (
                f"killed: still running {within:g} s after SIGTERM "
                f"(RSS then {after['peak_rss_mb']:,.0f} MB peak)"
            )
    return spent


def by_kind(spent: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per role kind ("worker-2" is a "worker"): CPU seconds added up, the largest peak
    RSS of one process, and how many processes."""
    kinds: dict[str, dict[str, float]] = {}
    for name, figures in spent.items():
        kind = kinds.setdefault(
            name.split("-")[0], {"processes": 0, "cpu_s": 0.0, "peak_rss_mb": 0.0}
        )
        kind["processes"] += 1
        kind["cpu_s"] += figures["cpu_s"]
        kind["peak_rss_mb"] = max(kind["peak_rss_mb"], figures["peak_rss_mb"])
    return kinds


def per_role(
    spent: dict[str, dict[str, Any]], window_cpu: dict[str, float], seconds: float
) -> dict[str, dict[str, float]]:
    """Per role kind: CPU seconds in the measured window and the share of a core that is,
    CPU seconds in all (start-up and draining too), the largest peak RSS of a process."""
    kinds = by_kind(spent)
    window = by_kind({name: {**spent[name], "cpu_s": cpu} for name, cpu in window_cpu.items()})
    for kind, figures in kinds.items():
        figures["window_cpu_s"] = window[kind]["cpu_s"]
        figures["window_cores"] = window[kind]["cpu_s"] / seconds
    return kinds
