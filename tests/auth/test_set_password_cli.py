"""`betteruptime user set-password`: the operator's way to set a forgotten password, or a
first one for a user created by single sign-on (who has no password to type as the
current one)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from betteruptime.auth.passwords import verify_password
from betteruptime.cli import app
from betteruptime.db.migrate import upgrade


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    upgrade(f"sqlite:///{path}")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return path


def _hash(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute("SELECT password_hash FROM users").fetchone()[0])


def test_it_sets_the_password_and_revokes_the_users_tokens(database: Path) -> None:
    runner = CliRunner()
    created = runner.invoke(
        app, ["user", "create", "--email", "a@example.com", "--password", "first password"]
    )
    token = runner.invoke(app, ["token", "create", "--email", "a@example.com"])
    assert created.exit_code == 0 and token.exit_code == 0, created.output + token.output
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM api_tokens").fetchone() == (1,)

    changed = runner.invoke(
        app, ["user", "set-password", "--email", "A@example.com"], input="second password\n" * 2
    )

    assert changed.exit_code == 0, changed.output
    assert "password set for a@example.com" in changed.output
    assert "second password" not in changed.output  # prompted with the input hidden
    assert verify_password(_hash(database), "second password")
    assert not verify_password(_hash(database), "first password")
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM api_tokens").fetchone() == (0,)


def test_it_refuses_a_short_password_and_an_unknown_email(database: Path) -> None:
    runner = CliRunner()
    runner.invoke(
        app, ["user", "create", "--email", "a@example.com", "--password", "first password"]
    )
    before = _hash(database)

    short = runner.invoke(
        app, ["user", "set-password", "--email", "a@example.com", "--password", "short"]
    )
    unknown = runner.invoke(
        app, ["user", "set-password", "--email", "b@example.com", "--password", "long enough 1"]
    )

    assert short.exit_code == 2 and "8" in short.output and "Traceback" not in short.output
    assert unknown.exit_code == 2 and "no user with e-mail b@example.com" in unknown.output
    assert _hash(database) == before


def test_a_user_created_on_the_command_line_owns_a_personal_organization_and_its_tokens_act_in_it(
    database: Path,
) -> None:
    runner = CliRunner()
    created = runner.invoke(
        app, ["user", "create", "--email", "a@example.com", "--password", "first password"]
    )
    token = runner.invoke(app, ["token", "create", "--email", "a@example.com"])

    assert created.exit_code == 0 and token.exit_code == 0, created.output + token.output
    with sqlite3.connect(database) as db:
        organizations = db.execute("SELECT id, name, personal FROM organizations").fetchall()
        members = db.execute("SELECT organization_id, role FROM memberships").fetchall()
        bound = db.execute("SELECT organization_id FROM api_tokens").fetchall()
    assert organizations == [(1, "a@example.com's organization", 1)]
    assert members == [(1, "owner")]
    assert bound == [(1,)]
