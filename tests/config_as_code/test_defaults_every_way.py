"""A monitor of each kind is the same whether made through the API, by `betteruptime
apply` or with the dashboard's form: every field a body leaves out gets one default,
decided in one place (domain.monitor_kinds.new_monitor_values)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from api.conftest import (  # noqa: F401  (fixtures)
    Headers,
    alice,
    app,
    cheap_password_hashing,
    client,
    database_url,
    login,
    migrated_template,
    settings,
)
from betteruptime.settings import Settings
from testkit.html_forms import as_data, form_fields
from web.conftest import (
    OpenBrowser,
    open_browser,  # noqa: F401  (a fixture)
)

pytestmark = pytest.mark.e2e

API = "/api/v1/monitors"
# What each kind needs and nothing more: everything else is left to the defaults.
NEEDS: dict[str, dict[str, Any]] = {
    "http": {"url": "https://h.example/"},
    "keyword": {"url": "https://k.example/", "keyword": "ok"},
    "json": {"url": "https://j.example/", "json_path": "$.ok"},
    "tcp": {"url": "tcp://t.example:5432"},
    "dns": {"url": "dns://d.example"},
    "ping": {"url": "icmp://p.example"},
    "tls": {"url": "https://s.example/"},
    "domain": {"url": "domain://r.example.com"},
    "heartbeat": {"period_seconds": 3600},
    "browser": {"url": "https://b.example/", "steps": [{"action": "click", "selector": "#buy"}]},
}
# Made by the server, or telling the three apart: not settings.
_NOT_SETTINGS = ("id", "name", "ping_url", "created_at", "updated_at")


def apply_file(database_url: str, settings: Settings, folder: Path, text: str) -> None:  # noqa: F811
    """`betteruptime apply` as an operator runs it, on the API's database and settings."""
    (folder / "monitors.yaml").write_text(text)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BETTERUPTIME_REGION": settings.region,
        "BETTERUPTIME_MIN_INTERVAL": str(settings.min_interval),
        "BETTERUPTIME_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "betteruptime", "apply", "monitors.yaml"]
    command += ["--email", "alice@example.com"]
    done = subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr


async def create_with_the_form(browser: httpx.AsyncClient, name: str, kind: str) -> None:
    """The new-monitor form as it opens, with only the name, kind and what it needs typed."""
    fields = form_fields((await browser.get("/monitors/new")).text, "/monitors/new")
    # Steps are typed as the API's JSON list.
    typed = {
        name: json.dumps(value) if name == "steps" else str(value)
        for name, value in NEEDS[kind].items()
    }
    created = await browser.post(
        "/monitors/new", data=as_data(fields, name=name, kind=kind, **typed)
    )
    assert created.status_code == 303, created.text


async def test_each_kind_made_through_the_api_apply_and_the_form_is_the_same_monitor(
    client: httpx.AsyncClient,  # noqa: F811
    alice: Headers,  # noqa: F811
    open_browser: OpenBrowser,  # noqa: F811
    database_url: str,  # noqa: F811
    settings: Settings,  # noqa: F811
    tmp_path: Path,
) -> None:
    for kind, needs in NEEDS.items():
        body = {"name": f"{kind} by api", "kind": kind, **needs}
        created = await client.post(API, json=body, headers=alice)
        assert created.status_code == 201, created.text
    document = {
        "monitors": [{"name": f"{kind} by apply", "kind": kind, **n} for kind, n in NEEDS.items()]
    }
    apply_file(database_url, settings, tmp_path, yaml.safe_dump(document))
    browser = await open_browser("alice@example.com")
    for kind in NEEDS:
        await create_with_the_form(browser, f"{kind} by form", kind)

    listed = (await client.get(API, headers=alice)).json()
    made = {monitor["name"]: monitor for monitor in listed}
    for kind in NEEDS:
        by_api, by_apply, by_form = (made[f"{kind} by {way}"] for way in ("api", "apply", "form"))
        settings_of = {name: value for name, value in by_api.items() if name not in _NOT_SETTINGS}
        for way, other in (("apply", by_apply), ("form", by_form)):
            for name, value in settings_of.items():
                assert other[name] == value, f"{kind} by {way}: {name}"
        assert (by_api["ping_url"] is None) is (by_apply["ping_url"] is None)
    heartbeat = made["heartbeat by apply"]
    assert (heartbeat["failure_threshold"], heartbeat["recovery_threshold"]) == (1, 1)
