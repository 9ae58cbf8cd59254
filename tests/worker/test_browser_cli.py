"""`betteruptime worker --browser` refuses to start without a Chromium it can drive,
saying what to install or set, instead of taking browser checks it would fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _worker(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "betteruptime", "worker", "--browser"],
        cwd=tmp_path,
        env={**os.environ, "RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:9/", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_browser_worker_without_chromium_stops_saying_what_is_missing(tmp_path: Path) -> None:
    done = _worker(tmp_path, BETTERUPTIME_CHROMIUM_PATH=str(tmp_path / "no-chromium"))

    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: --browser: BETTERUPTIME_CHROMIUM_PATH={tmp_path / 'no-chromium'} "
        "is not an executable file"
    )
