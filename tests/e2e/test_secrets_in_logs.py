"""No secret reaches the log, even at DEBUG: a full run of `betteruptime up` with every
kind of secret in play (the password, at sign-up, sign-in and a failed sign-in; API
tokens; a channel URL's password and token, through a test message and a real alert; a
heartbeat's ping token, through pings; a two-factor secret and codes, right and wrong;
the product mail server's password, announced at start-up), then the whole log is
searched for each one."""

from __future__ import annotations

import time

import httpx
import pyotp
import pytest

from e2e.conftest import Product
from testkit.api import create_fast_monitor, status_reader
from testkit.receivers import WebhookReceiver
from testkit.target import Target
from testkit.waiting import eventually

pytestmark = pytest.mark.e2e

PASSWORD = "Sekrit-Passphrase-4711"
CHANNEL_PASSWORD = "ChannelPass-0815"
CHANNEL_TOKEN = "tok3n-in-the-path-9d1c"
SMTP_PASSWORD = "SmtpPass-2718"


@pytest.fixture
def product_env() -> dict[str, str]:
    """The most verbose log: what DEBUG lines say must not give a secret away either."""
    return {
        "BETTERUPTIME_LOG_LEVEL": "DEBUG",
        "BETTERUPTIME_SMTP_URL": f"smtp://mailer:{SMTP_PASSWORD}@127.0.0.1:2525?starttls=false",
    }


async def test_no_secret_is_logged_in_a_full_run(
    product: Product, target: Target, webhook: WebhookReceiver
) -> None:
    process = product.process
    async with httpx.AsyncClient(base_url=product.base + "/api/v1", timeout=10) as api:
        credentials = {"email": "ops@example.com", "password": PASSWORD}
        assert (await api.post("/auth/signup", json=credentials)).status_code == 201
        wrong = {"email": "ops@example.com", "password": PASSWORD + "-wrong"}
        assert (await api.post("/auth/token", json=wrong)).status_code == 401
        token = (await api.post("/auth/token", json=credentials)).json()["access_token"]
        api.headers["Authorization"] = f"Bearer {token}"

        url = webhook.url(CHANNEL_TOKEN).replace("json://", f"json://ops:{CHANNEL_PASSWORD}@")
        channel = await api.post("/channels", json={"name": "ops", "url": url})
        assert channel.status_code == 201, channel.text
        channel_id = channel.json()["id"]
        assert (await api.post(f"/channels/{channel_id}/test")).status_code == 200
        listed = (await api.get("/channels")).text
        assert CHANNEL_PASSWORD not in listed and CHANNEL_TOKEN not in listed

        heartbeat = await api.post(
            "/monitors",
            json={"name": "nightly", "kind": "heartbeat", "period_seconds": 60},
        )
        assert heartbeat.status_code == 201, heartbeat.text
        ping_url = heartbeat.json()["ping_url"]
        ping_token = ping_url.rsplit("/", 1)[1]
        async with httpx.AsyncClient(timeout=10) as pinger:

            async def pinged(suffix: str) -> bool:
                return (await pinger.get(ping_url + suffix)).status_code == 200

            # A new ping URL works at once (README § Heartbeats).
            for suffix in ("", "/start", "/fail"):
                assert await pinged(suffix)

        totp_secret, totp_code = await _turn_on_two_factor(api, credentials)

        monitor_id = await create_fast_monitor(api, target.url, channel_ids=[channel_id])
        has_status = status_reader(api, monitor_id)
        await eventually(lambda: has_status("up"), within=15, what="monitor up")
        await target.stop()
        await eventually(lambda: has_status("down"), within=15, what="monitor down")
        await eventually(
            lambda: webhook.has_received(2), within=15, what="the test message and the alert"
        )
    assert process.stop() == 0

    log = process.log()
    assert "DEBUG" in log or "level=debug" in log.lower(), "the run did not log at DEBUG"
    assert "event=mail_on server=smtp://mailer@127.0.0.1:2525" in log
    secrets = {
        "password": PASSWORD,
        "API token": token,
        "channel password": CHANNEL_PASSWORD,
        "channel token": CHANNEL_TOKEN,
        "ping token": ping_token,
        "TOTP secret": totp_secret,
        "TOTP code": totp_code,
        "SMTP password": SMTP_PASSWORD,
    }
    leaked = [name for name, secret in secrets.items() if secret in log]
    print(f"log: {len(log.splitlines())} lines searched for {len(secrets)} secrets")
    assert leaked == [], f"secrets in the log: {leaked}"


async def _turn_on_two_factor(
    api: httpx.AsyncClient, credentials: dict[str, str]
) -> tuple[str, str]:
    """Two-factor sign-in on, then a sign-in with a wrong and with the right code."""
    secret = (await api.post("/auth/totp/setup")).json()["secret"]
    code = pyotp.TOTP(secret).now()
    assert (await api.post("/auth/totp/enable", json={"code": code})).status_code == 200
    wrong = "000000" if code != "000000" else "111111"
    refused = await api.post("/auth/token", json={**credentials, "totp_code": wrong})
    assert refused.status_code == 401
    # The enabling code was used once: the next step's code signs in.
    fresh = pyotp.TOTP(secret).at(time.time() + 30)
    accepted = await api.post("/auth/token", json={**credentials, "totp_code": fresh})
    assert accepted.status_code == 200, accepted.text
    return secret, fresh
