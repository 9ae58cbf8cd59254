"""The browser benchmark's measuring helpers (bench/browser.py): the worker's process tree
and its memory."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.browser import _children, worker_memory


def test_the_worker_tree_holds_every_descendant_and_its_memory_counts_them() -> None:
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time; "
            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']); "
            "time.sleep(30)",
        ]
    )
    try:
        found: list[int] = []
        for _ in range(100):
            found = _children(os.getpid())
            if len(found) >= 2:
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert child.pid in found and len(found) >= 2
        alone = worker_memory(exclude=set(found))
        together = worker_memory(exclude=set())
        assert alone["processes"] == 1
        assert together["processes"] >= 3
        assert together["pss_mb"] > alone["pss_mb"] > 0
        assert together["rss_mb"] >= together["pss_mb"]
    finally:
        for pid in _children(os.getpid()):
            os.kill(pid, 9)
        child.wait()
