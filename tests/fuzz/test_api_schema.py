"""API fuzzing: schemathesis generates requests from the app's own OpenAPI schema and
sends them to a real `betteruptime up` on PostgreSQL (the engine that refuses what
SQLite quietly stores), signed in. Every check schemathesis 4 has runs: no 500, answers
that match the schema (status codes, bodies, content types, headers), requests the
schema calls valid are accepted and the ones it calls invalid are refused, and methods
the schema does not list answer 405 with a true `Allow`.

The budget is bounded for CI (FUZZ_EXAMPLES per operation, default 12, and a fixed
seed so a run is repeatable); FUZZ_EXAMPLES=500 FUZZ_RANDOM=1 runs deeper and random.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from betteruptime.db.models import User
from betteruptime.db.session import create_engine, session_factory
from betteruptime.domain.targets import has_registrable_domain, watched_domain
from betteruptime.runtime.app import create_app
from betteruptime.schemas.instants import LATEST, as_utc
from betteruptime.services.tokens import issue_token
from betteruptime.settings import Settings
from testkit.api import embedded_product
from testkit.engines import temporary_postgres_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"
EMAIL = "fuzz@example.com"
# The product's settings that shape its OpenAPI document; the same for both.
PRODUCT_ENV = {"BETTERUPTIME_MIN_INTERVAL": "1", "BETTERUPTIME_BLOCK_PRIVATE_TARGETS": "true"}
# The token of the operation under test (see `token`).
_current: dict[str, str] = {}


class _Product:
    """The product started for the whole module, from synchronous code."""

    def __init__(self, folder: Path, database_url: str) -> None:
        self._loop = asyncio.new_event_loop()
        # Fuzzed monitors point anywhere: the product must not probe the local network.
        self._context = embedded_product(folder, DATABASE_URL=database_url, **PRODUCT_ENV)
        _, self.base = self._loop.run_until_complete(self._context.__aenter__())

    def close(self) -> None:
        self._loop.run_until_complete(self._context.__aexit__(None, None, None))
        self._loop.close()


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with temporary_postgres_db() as url:
        yield url


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[str]:
    started = _Product(tmp_path_factory.mktemp("fuzz"), database_url)
    try:
        credentials = {"email": EMAIL, "password": "correct horse battery"}
        with httpx.Client(base_url=started.base, timeout=10) as client:
            assert client.post("/api/v1/auth/signup", json=credentials).status_code == 201
        yield started.base
    finally:
        started.close()


@pytest.fixture
def token(product: str, database_url: str) -> str:
    """A token of its own for each operation, made in the database (sign-in is limited
    to 20 a minute per address): DELETE /auth/tokens/{id} may revoke the one in use."""

    async def issue() -> str:
        engine = create_engine(database_url)
        try:
            async with session_factory(engine)() as session:
                user = (await session.scalars(select(User).where(User.email == EMAIL))).one()
                token, _ = await issue_token(session, user=user, ttl_days=1)
                return token
        finally:
            await engine.dispose()

    _current["token"] = asyncio.run(issue())
    return _current["token"]


def _published_schema() -> dict[str, Any]:
    """The OpenAPI document the product serves, built from an app with its settings at
    collection time (parametrizing needs it before fixtures run; no database is
    touched). test_the_product_serves_this_schema checks they are the same."""
    env = {name.removeprefix("BETTERUPTIME_").lower(): value for name, value in PRODUCT_ENV.items()}
    app_settings = Settings(database_url="sqlite:///unused.db", _env_file=None, **env)
    return create_app(app_settings, async_sessionmaker()).openapi()


# The monitor body (a branch per kind, with multistep and browser steps, assertions and
# certificate rules) is more than schemathesis' generator can model since browser steps
# joined: it raises UnsupportedSchema for the whole operation. Until the published schema
# is simplified, POST /monitors is left out here; its bodies, valid and hostile, stay
# covered by the API's validation tests (tests/api: every field, each kind's rules, NUL,
# huge and nested bodies) and PATCH /monitors/{id} is still fuzzed.
schema = schemathesis.openapi.from_dict(_published_schema()).exclude(
    path="/api/v1/monitors", method="POST"
)


@schema.auth(refresh_interval=None, retry_on=[])
class _Bearer:
    """Signs the generated requests in, through schemathesis, which then knows the
    Authorization header is credentials: its cases without them still go out without."""

    def get(self, case: schemathesis.Case[Any], ctx: Any) -> str:
        return _current.get("token", "not-signed-in-yet")

    def set(self, case: schemathesis.Case[Any], data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def test_the_product_serves_this_schema(product: str) -> None:
    served = httpx.get(f"{product}/openapi.json", timeout=10).json()

    assert served == _published_schema()


# Rules the OpenAPI document states in prose only, as JSON Schema cannot: requests the
# schema calls valid that break one are refused (422), rightly. Each generated valid
# request (positive case) is brought within them before it is sent, so the check that
# valid requests are accepted still holds for everything else.
DEFAULT_INTERVAL = 60
CRON = "0 3 * * *"  # a cron expression's grammar (cronsim's) is not a pattern here
JSON_PATH = "$.status"  # nor is a JSON path's (domain/assertions.py)
APPRISE_URL = "json://hooks.example.com/fuzz"  # nor Apprise's hundred URL grammars
# Nor what an assertion row needs (a property for some sources, a target for most
# comparisons, JSON paths, regular expressions, status patterns, which sources a kind
# reads; domain/assertion_language.py): each generated row becomes one that is valid.
STATUS_ROW = {"source": "status_code", "comparison": "equals", "target": "2xx"}
CERTIFICATE_ROW = {"source": "certificate_days", "comparison": "greater_than", "target": 7}
DOMAIN_URL = "domain://example.com"
# Nor a step's URL with its {{variables}}, nor that each variable is extracted earlier.
STEP = {"name": "fuzz", "url": "https://api.example.com/", "extract": {"v": "$.v"}}


def _monitor(body: dict[str, Any]) -> None:
    # Two numbers compared: timeout below interval, failing regions within regions.
    interval = body.get("interval_seconds") or DEFAULT_INTERVAL
    if (body.get("timeout_seconds") or 0) >= interval:
        del body["timeout_seconds"]
    if (body.get("min_failed_regions") or 0) > len(body.get("regions") or ["default"]):
        del body["min_failed_regions"]
    if isinstance(body.get("cron"), str):
        body["cron"] = CRON
    if isinstance(body.get("json_path"), str):
        body["json_path"] = JSON_PATH
    if isinstance(body.get("assertions"), list):
        row = CERTIFICATE_ROW if body.get("kind") == "tls" else STATUS_ROW
        body["assertions"] = [row for _ in body["assertions"]]
    # A registration is looked up under a registrable domain: a public suffix (co.uk)
    # matches the name pattern but has none (the Public Suffix List is no pattern).
    url = body.get("url")
    if body.get("kind") == "domain" and isinstance(url, str) and watched_domain(url) is None:
        body["url"] = DOMAIN_URL
    http_days = body.get("kind") != "domain" and body.get("domain_expiry_days") is not None
    if http_days and not has_registrable_domain(url or ""):
        del body["domain_expiry_days"]
    if isinstance(body.get("steps"), list):
        body["steps"] = [STEP for _ in body["steps"]]
    # A range is two numbers compared too: "299-200" ends before it starts.
    if isinstance(body.get("expected_status"), list):
        body["expected_status"] = [_ordered(pattern) for pattern in body["expected_status"]]
    _no_references(body)


def _ordered(pattern: Any) -> Any:
    if not isinstance(pattern, str) or "-" not in pattern:
        return pattern
    return "-".join(sorted(pattern.split("-"), key=lambda code: int(code.strip())))


def _no_references(body: dict[str, Any]) -> None:
    """Ids must name the caller's own channels and monitors: none exist for most."""
    for field in ("channel_ids", "channel_rules", "monitor_ids"):
        if isinstance(body.get(field), list):
            body[field] = []


def _window(body: dict[str, Any]) -> None:
    starts, ends = body.get("starts_at"), body.get("ends_at")
    if isinstance(starts, str) and isinstance(ends, str):
        first, last = sorted([_instant(starts), _instant(ends)])
        if first == last:  # as the server reads them: in UTC
            hour = timedelta(hours=1)
            first, last = (first, first + hour) if first < LATEST - hour else (last - hour, last)
        body["starts_at"], body["ends_at"] = first.isoformat(), last.isoformat()
    _no_references(body)


def _instant(text: str) -> datetime:
    return as_utc(datetime.fromisoformat(text))


def _channel(body: dict[str, Any]) -> None:
    if isinstance(body.get("url"), str):
        body["url"] = APPRISE_URL


UNSTATED_RULES = {
    "POST /api/v1/monitors": _monitor,
    "POST /api/v1/channels": _channel,
    "POST /api/v1/maintenance-windows": _window,
    "POST /api/v1/status-pages": _no_references,
    "PATCH /api/v1/status-pages/{page_id}": _no_references,
}
# A PATCH is valid or not according to the object it changes (RFC 5789: 422 when the
# result would be invalid, such as a kind whose URL the stored one does not fit); no
# schema of the body alone can say which bodies a stored monitor or window takes.
MERGED_WITH_STORED = {
    "PATCH /api/v1/monitors/{monitor_id}",
    "PATCH /api/v1/maintenance-windows/{window_id}",
}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    suppress_health_check=list(HealthCheck),
)
def test_every_check_passes_for_every_operation(
    case: schemathesis.Case[Any], product: str, token: str
) -> None:
    label = case.operation.label
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and isinstance(case.body, dict) and label in UNSTATED_RULES:
        UNSTATED_RULES[label](case.body)
    excluded = [positive_data_acceptance] if label in MERGED_WITH_STORED else []
    case.call_and_validate(base_url=product, excluded_checks=excluded)
