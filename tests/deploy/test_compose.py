"""deploy/compose.yaml runs only commands the CLI really has."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from betteruptime.cli import app

COMPOSE = Path(__file__).resolve().parents[2] / "deploy" / "compose.yaml"


def compose_commands() -> dict[str, list[str]]:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    return {name: spec["command"] for name, spec in services.items() if "command" in spec}


def test_every_role_of_the_design_has_a_service() -> None:
    roles = {command[0] for command in compose_commands().values()}
    assert {"api", "scheduler", "worker", "ingester", "notifier", "db"} <= roles


def test_every_command_in_the_compose_file_is_a_real_cli_command() -> None:
    runner = CliRunner()
    for service, command in compose_commands().items():
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, f"{service}: {' '.join(command)}\n{result.output}"


def test_an_unknown_command_is_refused() -> None:
    result = CliRunner().invoke(app, ["workerz", "--help"])
    assert result.exit_code != 0
