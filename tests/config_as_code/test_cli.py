"""`betteruptime apply` and `export` as an operator runs them: real processes, a SQLite
file, what they print, their exit codes, and `export | apply -` as a no-op."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.e2e

FILE = """\
channels:
  - {name: ops, url: 'jsons://user:s3cret@hooks.example.com/alerts'}
monitors:
  - {name: api, url: 'https://api.example.com/health', channels: [ops]}
  - {name: db, kind: tcp, url: 'tcp://db.example.com:5432'}
"""


def betteruptime(
    folder: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'cli.db'}",
        "BETTERUPTIME_LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "-m", "betteruptime", *args],
        cwd=folder,  # no stray .env is read
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_apply_twice_then_export_and_apply_the_export(tmp_path: Path) -> None:
    created = betteruptime(
        tmp_path, "user", "create", "--email", "me@example.com", "--password", "correct horse"
    )
    assert created.returncode == 0, created.stderr
    (tmp_path / "monitors.yaml").write_text(FILE)

    first = betteruptime(tmp_path, "apply", "monitors.yaml")
    second = betteruptime(tmp_path, "apply", "monitors.yaml")
    exported = betteruptime(tmp_path, "export")
    again = betteruptime(tmp_path, "apply", "-", stdin=exported.stdout)

    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        'created channel "ops"',
        'created monitor "api"',
        'created monitor "db"',
        "3 created, 0 updated, 0 deleted",
    ]
    assert second.stdout == "0 created, 0 updated, 0 deleted\n"
    assert exported.returncode == 0, exported.stderr
    assert "holds channel URLs with their passwords" in exported.stderr
    document = yaml.safe_load(exported.stdout)
    assert document["channels"] == [
        {"name": "ops", "url": "jsons://user:s3cret@hooks.example.com/alerts"}
    ]
    assert [monitor["name"] for monitor in document["monitors"]] == ["api", "db"]
    assert again.returncode == 0, again.stderr
    assert again.stdout == "0 created, 0 updated, 0 deleted\n"


def test_a_bad_file_exits_2_with_the_path_of_each_problem_and_no_traceback(
    tmp_path: Path,
) -> None:
    betteruptime(
        tmp_path, "user", "create", "--email", "me@example.com", "--password", "correct horse"
    )
    bad = FILE.replace("[ops]", "[opps]").replace(":5432'", ":5432', interval_seconds: 5")
    (tmp_path / "bad.yaml").write_text(bad)

    result = betteruptime(tmp_path, "apply", "bad.yaml", "--prune")
    exported = betteruptime(tmp_path, "export")

    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-3:] == [
        "error: bad.yaml: nothing was changed:",
        "  monitors[0].channels[0]: no channel named 'opps' in the file",
        "  monitors[1].interval_seconds: must be at least 10 seconds, "
        "the minimum interval on this server",
    ]
    assert yaml.safe_load(exported.stdout) == {"version": 1, "channels": [], "monitors": []}


def test_without_email_and_with_two_users_it_asks_for_email(tmp_path: Path) -> None:
    for email in ("a@example.com", "b@example.com"):
        betteruptime(tmp_path, "user", "create", "--email", email, "--password", "correct horse")

    result = betteruptime(tmp_path, "export")

    assert result.returncode == 2
    assert result.stderr.splitlines()[-2:] == [
        "error: cannot export:",
        "  there is more than one user: pass --email to say whose it is",
    ]


def test_an_organization_the_user_is_not_in_is_a_clear_error_exiting_2(tmp_path: Path) -> None:
    betteruptime(
        tmp_path, "user", "create", "--email", "me@example.com", "--password", "correct horse"
    )
    (tmp_path / "monitors.yaml").write_text(FILE)

    applied = betteruptime(tmp_path, "apply", "monitors.yaml", "--organization", "Ops")
    exported = betteruptime(tmp_path, "export", "--organization", "42")
    personal = betteruptime(tmp_path, "apply", "monitors.yaml", "--organization", "1")

    assert applied.returncode == 2
    assert applied.stderr.splitlines()[-1] == (
        "  me@example.com is not a member of an organization 'Ops'"
    )
    assert "Traceback" not in applied.stderr
    assert exported.returncode == 2
    assert "is not a member of an organization '42'" in exported.stderr
    assert personal.returncode == 0, personal.stderr  # their personal one, by its id
