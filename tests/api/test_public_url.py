"""Links the api hands out start with BETTERUPTIME_PUBLIC_URL, never with the request's
Host header: any client can forge that one, and a forged host in a status page's URL or
a heartbeat's ping URL would send people (or cron jobs) elsewhere."""

from __future__ import annotations

import httpx
import pytest

from api.conftest import Headers
from betteruptime.settings import SettingsError, load_settings
from web.conftest import OpenBrowser, open_browser  # noqa: F401  (fixture)

V1 = "/api/v1"
FORGED = {"Host": "evil.example"}


async def test_a_status_page_url_ignores_a_forged_host(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    headers = {**alice, **FORGED}
    created = await client.post(
        f"{V1}/status-pages", json={"slug": "acme", "title": "Acme"}, headers=headers
    )
    listed = await client.get(f"{V1}/status-pages", headers=headers)

    assert created.json()["url"] == "http://test/status/acme"
    assert [page["url"] for page in listed.json()] == ["http://test/status/acme"]


async def test_a_ping_url_ignores_a_forged_host(client: httpx.AsyncClient, alice: Headers) -> None:
    created = await client.post(
        f"{V1}/monitors",
        json={"name": "backup", "kind": "heartbeat", "period_seconds": 3600},
        headers={**alice, **FORGED},
    )

    assert created.json()["ping_url"].startswith("http://test/ping/")


async def test_dashboard_pages_show_the_public_url_not_the_host(
    open_browser: OpenBrowser,  # noqa: F811
) -> None:
    browser = await open_browser()
    overview = await browser.get("/", headers=FORGED)
    form = await browser.get("/monitors/new", headers=FORGED)

    assert "curl -X POST http://test/api/v1/monitors" in overview.text
    assert "evil.example" not in overview.text + form.text


@pytest.mark.parametrize("path", ["/api/v1/monitors/", "/incidents/?status=open"])
async def test_a_trailing_slash_redirect_is_relative(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers=FORGED)

    assert response.status_code == 307
    assert response.headers["location"] == path.replace("/?", "?").removesuffix("/")


def test_the_public_url_defaults_to_localhost_on_the_port() -> None:
    assert load_settings(_env_file=None, port=4000).public_base_url() == "http://localhost:4000"
    custom = load_settings(_env_file=None, public_url="https://up.example.com/uptime/")
    assert custom.public_base_url() == "https://up.example.com/uptime"


@pytest.mark.parametrize("value", ["up.example.com", "ftp://up.example.com", "https://x.io/?a=1"])
def test_a_public_url_that_is_not_an_http_address_stops_start_up(value: str) -> None:
    with pytest.raises(SettingsError, match="BETTERUPTIME_PUBLIC_URL"):
        load_settings(_env_file=None, public_url=value)
