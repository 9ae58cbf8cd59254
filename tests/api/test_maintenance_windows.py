"""Maintenance windows through the API: CRUD, form rules, ownership."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from api.conftest import CreateMonitor, Headers

WINDOWS = "/api/v1/maintenance-windows"


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def one_off(**fields: Any) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    return {
        "name": "DB upgrade",
        "starts_at": iso(now - timedelta(minutes=10)),
        "ends_at": iso(now + timedelta(hours=1)),
        **fields,
    }


def recurring(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Sunday backups",
        "weekdays": [6, 6, 0],
        "start_time": "23:30",
        "duration_minutes": 90,
        "timezone": "Europe/Berlin",
        **fields,
    }


async def create(client: httpx.AsyncClient, headers: Headers, body: dict[str, Any]) -> Any:
    response = await client.post(WINDOWS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_one_off_window_covering_now_is_created_active(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor
) -> None:
    monitor = await create_monitor(alice)
    body = one_off(monitor_ids=[monitor["id"]], notify=True)

    window = await create(client, alice, body)

    assert window["name"] == "DB upgrade" and window["notify"] is True
    assert window["monitor_ids"] == [monitor["id"]]
    assert window["starts_at"] == body["starts_at"] and window["ends_at"] == body["ends_at"]
    assert (window["weekdays"], window["start_time"], window["duration_minutes"]) == (
        [],
        None,
        None,
    )
    assert window["active"] is True
    assert window["active_until"] == body["ends_at"]
    assert window["next_starts_at"] is None


async def test_a_recurring_window_keeps_distinct_sorted_days_and_its_time_zone(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    window = await create(client, alice, recurring())

    assert window["weekdays"] == [0, 6]
    assert (window["start_time"], window["duration_minutes"]) == ("23:30", 90)
    assert window["timezone"] == "Europe/Berlin"
    assert window["starts_at"] is None and window["monitor_ids"] == []
    assert window["next_starts_at"] is not None


async def test_a_time_without_an_offset_is_read_as_utc(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    body = one_off(starts_at="2030-01-01T10:00:00", ends_at="2030-01-01T14:00:00+02:00")
    window = await create(client, alice, body)
    assert window["starts_at"] == "2030-01-01T10:00:00Z"
    assert window["ends_at"] == "2030-01-01T12:00:00Z"
    assert window["active"] is False and window["next_starts_at"] == "2030-01-01T10:00:00Z"


async def test_windows_are_listed_read_changed_and_deleted_by_their_owner_only(
    client: httpx.AsyncClient, alice: Headers, bob: Headers
) -> None:
    first = await create(client, alice, one_off())
    second = await create(client, alice, recurring())
    bobs = await create(client, bob, one_off(name="bob's"))

    listed = (await client.get(WINDOWS, headers=alice)).json()
    assert [w["id"] for w in listed] == [first["id"], second["id"]]
    assert (await client.get(f"{WINDOWS}/{second['id']}", headers=alice)).json() == second

    for method in ("GET", "PATCH", "DELETE"):
        foreign = await client.request(
            method, f"{WINDOWS}/{bobs['id']}", headers=alice, json={"name": "mine"}
        )
        assert foreign.status_code == 404, method
        assert foreign.json()["message"] == "Maintenance window not found."
    assert (await client.get(f"{WINDOWS}/{bobs['id']}", headers=bob)).json()["name"] == "bob's"

    renamed = await client.patch(f"{WINDOWS}/{first['id']}", json={"name": "v2"}, headers=alice)
    assert renamed.status_code == 200 and renamed.json()["name"] == "v2"
    assert renamed.json()["starts_at"] == first["starts_at"]

    deleted = await client.delete(f"{WINDOWS}/{first['id']}", headers=alice)
    assert deleted.status_code == 204
    assert (await client.get(f"{WINDOWS}/{first['id']}", headers=alice)).status_code == 404
    assert (await client.get(f"{WINDOWS}/99999999999", headers=alice)).status_code == 404


async def test_it_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get(WINDOWS)).status_code == 401


async def test_only_your_own_monitors_can_be_covered(
    client: httpx.AsyncClient, alice: Headers, bob: Headers, create_monitor: CreateMonitor
) -> None:
    mine = await create_monitor(alice)
    theirs = await create_monitor(bob)

    response = await client.post(
        WINDOWS, json=one_off(monitor_ids=[mine["id"], theirs["id"], 424242]), headers=alice
    )

    assert response.status_code == 422
    assert response.json()["details"] == [
        {
            "field": "monitor_ids",
            "message": f"no monitor of yours has the id(s): {theirs['id']}, 424242",
        }
    ]
    assert (await client.get(WINDOWS, headers=alice)).json() == []


async def test_patch_replaces_the_covered_monitors(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor
) -> None:
    a, b = await create_monitor(alice), await create_monitor(alice)
    window = await create(client, alice, one_off(monitor_ids=[a["id"]]))

    changed = await client.patch(
        f"{WINDOWS}/{window['id']}", json={"monitor_ids": [b["id"], b["id"]]}, headers=alice
    )

    assert changed.status_code == 200, changed.text
    assert changed.json()["monitor_ids"] == [b["id"]]
    again = (await client.get(f"{WINDOWS}/{window['id']}", headers=alice)).json()
    assert again["monitor_ids"] == [b["id"]]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (one_off(weekdays=[1]), "body", "not both"),
        ({"name": "nothing"}, "body", "give starts_at and ends_at"),
        (one_off(ends_at=None), "ends_at", "is required for a one-off window"),
        (
            one_off(starts_at="2030-01-01T10:00:00Z", ends_at="2030-01-01T10:00:00Z"),
            "ends_at",
            "must be after starts_at",
        ),
        (recurring(weekdays=[]), "weekdays", "at least one day"),
        (recurring(weekdays=[7]), "weekdays[0]", "less than or equal to 6"),
        (recurring(start_time="24:00"), "start_time", "HH:MM"),
        (recurring(start_time="2:30"), "start_time", "HH:MM"),
        (recurring(duration_minutes=0), "duration_minutes", "greater than or equal to 1"),
        (recurring(duration_minutes=10081), "duration_minutes", "less than or equal to 10080"),
        (recurring(duration_minutes=None), "duration_minutes", "is required"),
        (recurring(timezone="Mars/Olympus"), "timezone", "not a known time zone"),
        (one_off(starts_at="tomorrow"), "starts_at", "datetime"),
        (one_off(notify="yes"), "notify", "valid boolean"),
        (one_off(color="red"), "color", "unknown field"),
        (one_off(name=""), "name", "at least 1 character"),
    ],
)
async def test_a_window_that_cannot_work_is_refused_with_the_field_to_fix(
    client: httpx.AsyncClient, alice: Headers, body: dict[str, Any], field: str, message: str
) -> None:
    response = await client.post(WINDOWS, json=body, headers=alice)

    assert response.status_code == 422, response.text
    details = response.json()["details"]
    assert any(d["field"] == field and message in d["message"] for d in details), details


async def test_patch_checks_the_merged_window(client: httpx.AsyncClient, alice: Headers) -> None:
    window = await create(client, alice, one_off())
    url = f"{WINDOWS}/{window['id']}"

    backwards = await client.patch(url, json={"ends_at": "2000-01-01T00:00:00Z"}, headers=alice)
    half = await client.patch(url, json=recurring(name="x"), headers=alice)
    null_name = await client.patch(url, json={"name": None}, headers=alice)
    switched = await client.patch(url, json=recurring(starts_at=None, ends_at=None), headers=alice)

    assert backwards.status_code == 422
    assert backwards.json()["details"][0]["field"] == "ends_at"
    assert half.status_code == 422 and "not both" in half.json()["details"][0]["message"]
    assert null_name.status_code == 422 and null_name.json()["details"][0]["field"] == "name"
    assert switched.status_code == 200, switched.text
    assert switched.json()["starts_at"] is None and switched.json()["weekdays"] == [0, 6]
