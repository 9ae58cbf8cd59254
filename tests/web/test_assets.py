"""Front-end files: copied from node_modules, served by the api, their absence said."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from betteruptime.db.session import SessionFactory
from betteruptime.runtime.app import create_app
from betteruptime.settings import Settings
from betteruptime.web import assets
from testkit.engines import service_missing


def test_the_vendor_files_are_copied_from_node_modules(tmp_path: Path) -> None:
    node_modules = tmp_path / "node_modules"
    for source in assets.VENDOR_FILES.values():
        (node_modules / source).parent.mkdir(parents=True, exist_ok=True)
        (node_modules / source).write_text(f"/* {source} */")
    vendor = tmp_path / "vendor"
    assert assets.missing_vendor_files(vendor) == list(assets.VENDOR_FILES)

    assets.copy_vendor_files(node_modules, vendor)

    assert assets.missing_vendor_files(vendor) == []
    assert (vendor / "htmx.min.js").read_text() == "/* htmx.org/dist/htmx.min.js */"


def test_a_package_missing_from_node_modules_stops_the_copy_naming_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"htmx\.org/dist/htmx\.min\.js"):
        assets.copy_vendor_files(tmp_path, tmp_path / "vendor")


async def test_the_installed_vendor_files_are_served(client: httpx.AsyncClient) -> None:
    if assets.missing_vendor_files():
        service_missing("dashboard assets not installed: run scripts/lib/assets.sh (npm ci)")
    for name in assets.VENDOR_FILES:
        response = await client.get(f"/static/vendor/{name}")
        assert response.status_code == 200 and len(response.content) > 1000, name
    assert (await client.get("/static/app.css")).status_code == 200
    assert (await client.get("/static/pages.css")).status_code == 200


async def test_without_the_vendor_files_pages_say_so_and_load_none_of_them(
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    sessions: SessionFactory,
) -> None:
    monkeypatch.setattr("betteruptime.web.mount.missing_vendor_files", lambda: ["htmx.min.js"])
    app: FastAPI = create_app(settings, sessions)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as browser:
        page = (await browser.get("/login")).text
    assert "Charts and live updates are off" in page and "htmx.min.js" in page
    assert "/static/vendor/htmx.min.js" not in page
