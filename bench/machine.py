"""The machine a figure was measured on: every table names it (a figure without its CPU
means nothing: the same code gives other absolute figures on another CPU)."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any


def cpu_model() -> str:
    """`lscpu`'s Model name (/proc/cpuinfo's model name when lscpu is missing)."""
    lscpu = shutil.which("lscpu")
    if lscpu:
        listing = subprocess.run([lscpu], capture_output=True, text=True, check=False).stdout
        for line in listing.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def describe() -> dict[str, Any]:
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "memory_gb": round(memory_kb / 2**20, 1),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
    }


def headline(machine: dict[str, Any]) -> str:
    """'2 cores (Intel(R) Xeon(R) Processor), load average 6.1 at the start'."""
    return (
        f"{machine['cores']} cores ({machine['cpu']}), load average "
        f"{machine['load_average_at_start'][0]:.1f} at the start"
    )
