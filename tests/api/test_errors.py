"""Every error has the same JSON shape, and bad input never becomes a 500."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

MONITORS = "/api/v1/monitors"


async def test_malformed_json_is_a_400_that_says_where(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await client.post(
        MONITORS,
        content=b'{"name": "x",',
        headers={**alice, "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "malformed_json"
    assert body["message"].startswith("The request body is not valid JSON")


@pytest.mark.parametrize("content", [b"[]", b'"text"', b"42", b"null"])
async def test_a_body_that_is_not_an_object_is_refused(
    client: httpx.AsyncClient, alice: dict[str, str], content: bytes
) -> None:
    response = await client.post(
        MONITORS, content=content, headers={**alice, "Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "body"


async def test_a_body_without_a_json_content_type_is_refused_with_a_hint(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    response = await client.post(
        MONITORS, content=b'{"name": "x", "url": "https://e.com"}', headers=alice
    )

    assert response.status_code == 422
    assert "Content-Type: application/json" in response.json()["details"][0]["message"]


async def test_a_huge_body_is_refused_before_it_is_read(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * 65536

    declared = await client.post(
        MONITORS,
        content=b" " * (2 * 1024 * 1024),
        headers={**alice, "Content-Type": "application/json"},
    )
    streamed = await client.post(
        MONITORS, content=chunks(), headers={**alice, "Content-Type": "application/json"}
    )

    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["error"] == "content_too_large"


async def test_unknown_routes_and_methods_answer_in_the_same_shape(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    missing = await client.get("/api/v1/nothing-here", headers=alice)
    wrong_method = await client.put(MONITORS, headers=alice)

    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    assert (wrong_method.status_code, wrong_method.json()["error"]) == (405, "method_not_allowed")


async def test_an_unhandled_error_is_a_logged_500_without_details(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode() -> None:
        raise RuntimeError("database password is hunter2")

    app.add_api_route("/explode", explode)

    with caplog.at_level(logging.ERROR, logger="betteruptime.api"):
        response = await client.get("/explode")

    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert "hunter2" not in response.text
    assert "unhandled_error" in caplog.text
    assert "RuntimeError" in caplog.text


async def test_the_openapi_document_describes_the_api(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    docs = await client.get("/docs")

    assert document["info"]["title"] == "BetterUptime"
    assert "/api/v1/monitors/{monitor_id}/stats" in document["paths"]
    assert docs.status_code == 200
    # Swagger UI from this site's own files: the docs work offline.
    assert "/static/vendor/swagger-ui-bundle.js" in docs.text and "cdn." not in docs.text
