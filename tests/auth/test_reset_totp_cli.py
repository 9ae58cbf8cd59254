"""`betteruptime user reset-totp`: the operator's way out for a user locked out of
two-factor sign-in (a lost phone, a changed secret key)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from betteruptime.cli import app
from betteruptime.db.migrate import upgrade


def test_it_turns_two_factor_sign_in_off_and_refuses_an_unknown_email(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cli.db"
    upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO users (email, password_hash, created_at, totp_secret, "
            "totp_enabled_at, totp_last_counter) VALUES ('a@example.com', 'x', "
            "'2026-01-01 00:00:00.000000', 'sealed', '2026-01-01 00:00:00.000000', 5)"
        )
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    runner = CliRunner()

    reset = runner.invoke(app, ["user", "reset-totp", "--email", "A@example.com"])
    unknown = runner.invoke(app, ["user", "reset-totp", "--email", "b@example.com"])

    assert reset.exit_code == 0, reset.output
    assert "two-factor sign-in is off for a@example.com" in reset.output
    assert unknown.exit_code == 2 and "no user with e-mail b@example.com" in unknown.output
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT totp_secret, totp_enabled_at, totp_last_counter FROM users")
        assert row.fetchone() == (None, None, None)
