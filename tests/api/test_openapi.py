"""The OpenAPI document says what the API does (the fuzz tests hold the running product
to it; these pin the parts that were wrong): every error an operation can answer is
documented, 405 names every method of its path, a PATCH field that refuses null is not
nullable, a number with no fraction is an integer, times are ISO 8601 strings, and
/metrics is declared open unless it has a token (a token sent to it must still be valid)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.conftest import CreateMonitor, Headers
from betteruptime.runtime.app import create_app
from betteruptime.schemas.text import NO_CONTROL_PATTERN, NO_NUL_PATTERN
from betteruptime.settings import Settings

V1 = "/api/v1"
ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/v1/monitors/1", "DELETE, GET, PATCH"),
        ("OPTIONS", "/api/v1/monitors", "GET, POST"),
        ("DELETE", "/api/v1/status-pages", "GET, POST"),
        ("PUT", "/ping/abc", "GET, HEAD, POST"),
    ],
)
async def test_a_wrong_method_answers_405_naming_every_method_of_the_path(
    client: httpx.AsyncClient, alice: Headers, method: str, path: str, allowed: str
) -> None:
    response = await client.request(method, path, headers=alice)

    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.json()["error"] == "method_not_allowed"


def test_every_operation_documents_the_errors_it_can_answer(app: FastAPI) -> None:
    document = app.openapi()
    for path, method, operation in _operations(document):
        responses = operation["responses"]
        expected = {"422"}
        if "requestBody" in operation:
            expected |= {"400", "413"}
        if operation.get("security"):
            expected.add("401")
        for code in expected:
            content = responses.get(code, {}).get("content", {})
            assert content == {"application/json": {"schema": ERROR_BODY}}, (path, method, code)
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_metrics_is_declared_open_unless_it_has_a_token(database_url: str) -> None:
    def metrics(**settings: Any) -> dict[str, Any]:
        app = create_app(
            Settings(database_url=database_url, _env_file=None, **settings), async_sessionmaker()
        )
        operation: dict[str, Any] = app.openapi()["paths"]["/metrics"]["get"]
        return operation

    open_ = metrics()
    guarded = metrics(metrics_token=SecretStr("s" * 20))

    # Open, but a token that is sent must be valid (an organization's scopes the series).
    assert "security" not in open_ and "401" in open_["responses"]
    assert guarded["security"] and "401" in guarded["responses"]


def test_a_field_a_patch_may_not_null_is_not_nullable(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    monitor, page = (
        schemas["MonitorUpdate"]["properties"],
        schemas["StatusPageUpdate"]["properties"],
    )

    assert monitor["name"]["type"] == "string" and "anyOf" not in monitor["name"]
    assert page["slug"]["type"] == page["title"]["type"] == "string"
    assert {"type": "null"} in monitor["url"]["anyOf"]  # null clears the URL: allowed


def test_every_free_form_string_of_a_request_body_has_a_pattern(app: FastAPI) -> None:
    """NUL at least is refused in every string (schemas/text.py), and the schema says so."""
    document = app.openapi()
    bodies = {
        content["schema"]["$ref"].rsplit("/", 1)[1]
        for _, _, operation in _operations(document)
        for content in operation.get("requestBody", {}).get("content", {}).values()
    }
    schemas = document["components"]["schemas"]
    unstated = [
        f"{name}.{field}"
        for name in bodies
        for field, spec in schemas[name].get("properties", {}).items()
        for string in _strings(spec)
        if not _patterns(string)
    ]
    names = [
        f"{name}.{field}"
        for name in bodies
        for field in ("name", "title", "email")
        if field in schemas[name].get("properties", {})
    ]

    assert unstated == []
    assert names  # and names, titles and emails refuse every control character:
    for label in names:
        name, field = label.split(".")
        strings = _strings(schemas[name]["properties"][field])
        assert all(_patterns(s) - {NO_NUL_PATTERN} for s in strings), label
    assert NO_CONTROL_PATTERN in _patterns(schemas["ChannelCreate"]["properties"]["name"])


def _patterns(string: dict[str, Any]) -> set[str]:
    return {
        p
        for p in [string.get("pattern"), *(b.get("pattern") for b in string.get("allOf", []))]
        if p
    }


def _strings(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The free-form string schemas in a property's schema (not enums or dates)."""
    if spec.get("type") == "string":
        free = not {"enum", "const"} & spec.keys() and spec.get("format", "password") == "password"
        return [spec] if free else []
    found: list[dict[str, Any]] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in spec.get(key, []):
            found += _strings(branch)
    for key in ("items", "additionalProperties", "propertyNames"):
        if isinstance(spec.get(key), dict):
            found += _strings(spec[key])
    return found


async def test_a_number_with_no_fraction_is_an_integer(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    window = {"name": "backups", "weekdays": [6.0], "start_time": "02:00", "duration_minutes": 90.0}

    created = await client.post(f"{V1}/maintenance-windows", json=window, headers=alice)
    fraction = await client.post(
        f"{V1}/maintenance-windows", json={**window, "duration_minutes": 90.5}, headers=alice
    )

    assert created.status_code == 201, created.text
    assert (created.json()["weekdays"], created.json()["duration_minutes"]) == ([6], 90)
    assert fraction.status_code == 422


@pytest.mark.parametrize("value", ["0.5", "1700000000", "-1", "1e9"])
async def test_times_in_a_query_are_iso_8601_not_numbers(
    client: httpx.AsyncClient, alice: Headers, create_monitor: CreateMonitor, value: str
) -> None:
    monitor = await create_monitor(alice)
    checks = f"{V1}/monitors/{monitor['id']}/checks"

    number = await client.get(checks, params={"until": value}, headers=alice)
    iso = await client.get(checks, params={"until": "2030-01-01T00:00:00Z"}, headers=alice)

    assert number.status_code == 422 and number.json()["details"][0]["field"] == "until"
    assert iso.status_code == 200


async def test_a_window_time_given_as_a_number_is_refused(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    window = {"name": "deploy", "starts_at": 1800000000, "ends_at": "2030-01-01T01:00:00Z"}

    response = await client.post(f"{V1}/maintenance-windows", json=window, headers=alice)

    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "starts_at"


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        ("0001-01-01T16:44:01+16:53", "2030-01-01T00:00:00Z"),
        ("2030-01-01T00:00:00Z", "9999-12-31T23:00:00-02:00"),
    ],
)
async def test_a_time_past_the_ends_of_the_calendar_in_utc_is_taken_as_that_end(
    client: httpx.AsyncClient, alice: Headers, starts_at: str, ends_at: str
) -> None:
    """Valid RFC 3339, but in year 0 or 10000 in UTC: the earliest or latest time."""
    window = {"name": "deploy", "starts_at": starts_at, "ends_at": ends_at}

    response = await client.post(f"{V1}/maintenance-windows", json=window, headers=alice)

    assert response.status_code == 201, response.text
    assert response.json()["starts_at"].startswith(("0001-01-01T00:00:00", "2030"))
    assert response.json()["ends_at"].startswith(("9999-12-31T23:59:59", "2030"))
