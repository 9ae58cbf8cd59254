"""The loopback target farm the monitors point at: nginx from the Debian package when it
is installed, else bench/target.py's multi-process aiohttp server. Either answers
`200 ok` on every path, with as many processes as there are cores by default, so the
target is not what limits the figures (its CPU is reported to show that)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType

from bench import target
from bench.roles import cpu_seconds

NGINX_CONFIG = """\
worker_processes {processes};
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
daemon off;
events {{ worker_connections 16384; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen 127.0.0.1:{port} reuseport backlog=4096;
        location / {{ default_type text/plain; return 200 "ok"; }}
    }}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if Path(path).exists()), None
    )


class Farm:
    """`with Farm() as farm:` serves http://127.0.0.1:<port>/ until the block ends."""

    def __init__(self, processes: int | None = None) -> None:
        self.processes = processes or os.cpu_count() or 2
        self.port = target.free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.kind = ""
        self._nginx: subprocess.Popen[bytes] | None = None
        self._servers: list[multiprocessing.Process] = []
        self._pids: list[int] = []
        self._folder: Path | None = None

    def __enter__(self) -> Farm:
        binary = nginx_binary()
        if binary:
            self._start_nginx(binary)
        else:
            servers = target.start(self.port, self.processes)
            self._servers = servers
            self._pids = [server.pid for server in servers if server.pid is not None]
            self.kind = f"aiohttp x{self.processes} (bench/target.py; nginx not installed)"
        self._wait_ready()
        return self

    def _start_nginx(self, binary: str) -> None:
        folder = self._folder = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        config = folder / "nginx.conf"
        config.write_text(
            NGINX_CONFIG.format(processes=self.processes, folder=folder, port=self.port)
        )
        self._nginx = subprocess.Popen(
            [binary, "-c", str(config), "-p", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=(folder / "stderr.log").open("wb"),
        )
        self.kind = f"nginx x{self.processes}"

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base_url}/ready", timeout=1) as answer:
                    if answer.status == 200:
                        if self._nginx is not None:
                            self._pids = [self._nginx.pid, *_children(self._nginx.pid)]
                        return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"the target farm ({self.kind}) did not answer")

    def cpu_seconds(self) -> float:
        """CPU seconds its processes have used so far."""
        total = 0.0
        for pid in self._pids:
            with contextlib.suppress(FileNotFoundError):
                total += cpu_seconds(pid)
        return total

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._nginx is not None:
            self._nginx.send_signal(signal.SIGQUIT)  # graceful: finish open requests
            self._nginx.wait(timeout=30)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
        for server in self._servers:
            server.terminate()
        for server in self._servers:
            server.join(timeout=10)


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []
