"""API fuzzing: schemathesis generates requests from the app's own OpenAPI schema and
sends them to a real `betteruptime up`, signed in. Whatever it sends, the answer is never
a 500 and always matches the schema the app publishes for it.

Examples per operation are capped (FUZZ_EXAMPLES, default 25) to keep CI within its
budget; raise it for a deeper run: FUZZ_EXAMPLES=500 pytest tests/fuzz.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi import checks as openapi_checks
from sqlalchemy.ext.asyncio import async_sessionmaker

from betteruptime.runtime.app import create_app
from betteruptime.settings import Settings
from testkit.api import embedded_product

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.response_schema_conformance,
    openapi_checks.content_type_conformance,
]


class _Product:
    """The product started for the whole module, from synchronous code."""

    def __init__(self, folder: Path) -> None:
        self._loop = asyncio.new_event_loop()
        # Fuzzed monitors point anywhere: the product must not probe the local network.
        self._context = embedded_product(folder, BETTERUPTIME_BLOCK_PRIVATE_TARGETS="true")
        _, self.base = self._loop.run_until_complete(self._context.__aenter__())

    def close(self) -> None:
        self._loop.run_until_complete(self._context.__aexit__(None, None, None))
        self._loop.close()


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    started = _Product(tmp_path_factory.mktemp("fuzz"))
    try:
        yield started.base
    finally:
        started.close()


@pytest.fixture(scope="module")
def token(product: str) -> str:
    credentials = {"email": "fuzz@example.com", "password": "correct horse battery"}
    with httpx.Client(base_url=product + "/api/v1", timeout=10) as api:
        assert api.post("/auth/signup", json=credentials).status_code == 201
        answer = api.post("/auth/token", json=credentials)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])


def _published_schema() -> dict[str, object]:
    """The OpenAPI document the app serves at /openapi.json. Built from an app object at
    collection time (no database is touched), as parametrizing needs it before fixtures
    run; the requests go to the real process started by `product`."""
    settings = Settings(database_url="sqlite:///unused.db", _env_file=None)
    return create_app(settings, async_sessionmaker()).openapi()


schema = schemathesis.openapi.from_dict(_published_schema())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_server_error_or_an_answer_outside_the_schema(
    case: schemathesis.Case[Any], product: str, token: str
) -> None:
    case.call_and_validate(
        base_url=product, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
    )
