"""Running `betteruptime <command>` as a subprocess with its log kept in a file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


class BetterUptimeProcess:
    def __init__(self, args: list[str], *, folder: Path, env: dict[str, str], name: str) -> None:
        self.name = name
        self.log_path = folder / f"{name}.log"
        self._log = self.log_path.open("w")
        full_env = {**os.environ, **env}
        for variable in ("RABBITMQ_URL", "REDIS_URL"):
            if variable not in env:
                full_env.pop(variable, None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "betteruptime", *args],
            cwd=folder,
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text()

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, then wait for the graceful exit; returns the exit code."""
        if self.running():
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.running():
            self.process.kill()
            self.process.wait()
        self._log.close()


def run_betteruptime(
    folder: Path, *args: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """`betteruptime <args>` run to its end in `folder` (so no stray .env is read), with
    `env` over this process's environment; its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "betteruptime", *args],
        cwd=folder,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
