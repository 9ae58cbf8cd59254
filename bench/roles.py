"""Starting `betteruptime <command>` as a child process, its output kept in a log file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def start_role(args: list[str], env: dict[str, str], folder: Path) -> subprocess.Popen[bytes]:
    log = (folder / f"{args[0]}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "betteruptime", *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=folder,
    )
