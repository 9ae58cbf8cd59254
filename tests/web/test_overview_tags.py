"""The overview by group and tag, and "in maintenance"; the monitor form's tags and group."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from api.conftest import CreateMonitor, Headers
from betteruptime.db.models import Monitor, MonitorState, User
from betteruptime.db.session import SessionFactory
from betteruptime.db.types import utcnow
from betteruptime.services.organizations import create_personal_organization
from betteruptime.web.dashboard import overview_rows
from testkit.html_forms import as_data, form_fields
from web.conftest import OpenBrowser
from web.test_dashboard_sql import DATABASES, on_database


def _listed(html: str) -> list[str]:
    return re.findall(r'data-monitor-id="(\d+)"', html)


def _sections(html: str) -> list[str]:
    return [
        name.strip()
        for name in re.findall(r'class="row group-head" role="row"><span role="cell">([^<]*)', html)
    ]


async def test_the_overview_lists_monitors_by_group_and_filters_by_tags_and_group(
    open_browser: OpenBrowser, alice: Headers, bob: Headers, create_monitor: CreateMonitor
) -> None:
    api = await create_monitor(alice, name="api", tags=["prod", "web"], group="Shop")
    db = await create_monitor(alice, name="db", tags=["prod"], group="Shop")
    blog = await create_monitor(alice, name="blog", tags=["web"], group="Blog")
    loose = await create_monitor(alice, name="loose")
    await create_monitor(bob, name="bob-private", tags=["prod", "bob-tag"], group="Bob-group")
    browser = await open_browser("alice@example.com")

    page = (await browser.get("/")).text
    assert _sections(page) == ["Blog", "Shop", "No group"]
    ids = [str(m["id"]) for m in (blog, api, db, loose)]
    assert sorted(_listed(page)) == sorted(ids)
    # Each tag is a chip of the filter form, with how many monitors carry it.
    assert re.findall(r'name="tag" value="([^"]+)"', page) == ["prod", "web"]
    assert "bob-tag" not in page and "Bob-group" not in page

    assert _listed((await browser.get("/?tag=prod")).text) == [str(api["id"]), str(db["id"])]
    assert _listed((await browser.get("/?tag=prod&tag=web")).text) == [str(api["id"])]
    assert _listed((await browser.get("/?group=Blog")).text) == [str(blog["id"])]
    fragment = await browser.get("/?tag=web&group=Shop", headers={"HX-Request": "true"})
    assert _listed(fragment.text) == [str(api["id"])]
    nothing = (await browser.get("/?tag=nope")).text
    assert "No monitors match" in nothing and "tagged nope" in nothing


async def test_a_monitor_in_an_active_window_says_so_on_the_overview_and_its_page(
    open_browser: OpenBrowser,
    client: httpx.AsyncClient,
    alice: Headers,
    create_monitor: CreateMonitor,
) -> None:
    covered = await create_monitor(alice, name="covered")
    other = await create_monitor(alice, name="other")
    now = utcnow()
    window = {
        "name": "upgrade",
        "starts_at": (now - timedelta(minutes=5)).isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(),
        "monitor_ids": [covered["id"]],
    }
    made = await client.post("/api/v1/maintenance-windows", json=window, headers=alice)
    assert made.status_code == 201, made.text
    browser = await open_browser("alice@example.com")

    page = (await browser.get("/")).text
    flagged = re.findall(r'data-monitor-id="(\d+)" data-status="\w+" data-maintenance="true"', page)
    assert flagged == [str(covered["id"])]
    assert "in maintenance" in (await browser.get(f"/monitors/{covered['id']}")).text
    assert "in maintenance" not in (await browser.get(f"/monitors/{other['id']}")).text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("web, prod,, web ,\nteam: payments", ["prod", "team: payments", "web"]), ("", [])],
)
async def test_the_form_takes_tags_comma_separated_and_a_group(
    open_browser: OpenBrowser,
    client: httpx.AsyncClient,
    alice: Headers,
    create_monitor: CreateMonitor,
    typed: str,
    expected: list[str],
) -> None:
    monitor = await create_monitor(alice, tags=["old"])
    browser = await open_browser("alice@example.com")
    path = f"/monitors/{monitor['id']}/edit"
    fields = form_fields((await browser.get(path)).text, path)

    saved = await browser.post(path, data=as_data(fields, tags=typed, group=" Shop "))

    assert saved.status_code == 303, saved.text
    after = (await client.get(f"/api/v1/monitors/{monitor['id']}", headers=alice)).json()
    assert (after["tags"], after["group"]) == (expected, "Shop")


async def test_a_bad_tag_in_the_form_is_shown_beside_the_box(
    open_browser: OpenBrowser, alice: Headers, create_monitor: CreateMonitor
) -> None:
    monitor = await create_monitor(alice)
    browser = await open_browser("alice@example.com")
    path = f"/monitors/{monitor['id']}/edit"
    fields = form_fields((await browser.get(path)).text, path)

    refused = await browser.post(path, data=as_data(fields, tags="ok, " + "x" * 51))

    assert refused.status_code == 422
    assert 'id="tags-error"' in refused.text


@DATABASES
def test_the_overview_reads_tags_and_groups_alike_on_sqlite_and_postgresql(
    request: pytest.FixtureRequest, database: str
) -> None:
    async def work(sessions: SessionFactory) -> list[tuple[str, str | None, list[str]]]:
        async with sessions() as session, session.begin():
            user = User(email="tags@example.com", password_hash="x")
            session.add(user)
            await session.flush()
            organization = await create_personal_organization(session, user=user)
            for name, group, tags in (("a", "G", ["z", "b", "team:x"]), ("b", None, [])):
                monitor = Monitor(
                    organization_id=organization.id,
                    name=name,
                    url="https://example.com/",
                    interval_seconds=60,
                    timeout_seconds=5.0,
                    regions=["default"],
                    group=group,
                    tags=tags,
                )
                session.add(monitor)
                await session.flush()
                session.add(MonitorState(monitor_id=monitor.id))
        async with sessions() as session:
            rows = await overview_rows(session, organization_id=organization.id, now=utcnow())
        return [(row.name, row.group, row.tags) for row in rows]

    assert on_database(request, database, work) == [
        ("a", "G", ["b", "team:x", "z"]),
        ("b", None, []),
    ]
