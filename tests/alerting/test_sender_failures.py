"""The sender says whether a failure is permanent, from what real local receivers answer:
a webhook's HTTP status and Retry-After, an SMTP server's reply, a name that does not
resolve, a port nobody listens on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from betteruptime.alerting.render import render_test
from betteruptime.alerting.sender import AppriseSender, SendOutcome
from testkit.receivers import WebhookReceiver
from testkit.smtp import SmtpServer
from testkit.waiting import free_port

SENDER = AppriseSender()


async def _send(url: str) -> SendOutcome:
    return await SENDER.send(url, render_test("ops"), kind="test")


@pytest.fixture
async def answering() -> AsyncIterator[WebhookReceiver]:
    """A webhook that refuses everything; tests set the status and headers."""
    receiver = WebhookReceiver(always_fail=True)
    await receiver.start()
    yield receiver
    await receiver.stop()


@pytest.mark.parametrize(
    ("status", "words"),
    [(404, "Not Found"), (401, "Unauthorized"), (403, "Forbidden"), (410, "Gone")],
)
async def test_a_webhook_refusing_the_address_or_credentials_fails_for_good(
    answering: WebhookReceiver, status: int, words: str
) -> None:
    answering.fail_status = status

    outcome = await _send(answering.url())

    assert not outcome.ok and outcome.permanent and outcome.retry_after is None
    assert outcome.error and outcome.error.startswith(f"HTTP {status} {words}")
    assert answering.requests == 1


@pytest.mark.parametrize("status", [408, 429, 500, 503])
async def test_a_webhook_answering_later_or_broken_is_worth_a_retry(
    answering: WebhookReceiver, status: int
) -> None:
    answering.fail_status = status

    outcome = await _send(answering.url())

    assert not outcome.ok and not outcome.permanent
    assert outcome.error and outcome.error.startswith(f"HTTP {status}")


async def test_a_429_says_when_the_receiver_wants_the_next_attempt(
    answering: WebhookReceiver,
) -> None:
    answering.fail_status, answering.fail_headers = 429, {"Retry-After": "42"}

    outcome = await _send(answering.url())

    assert not outcome.permanent and outcome.retry_after == 42.0
    assert outcome.error and "asked to retry after 42 s" in outcome.error


async def test_a_webhook_host_that_does_not_exist_fails_for_good() -> None:
    # .invalid never resolves (RFC 2606).
    outcome = await _send("json://hooks.invalid/betteruptime")

    assert not outcome.ok and outcome.permanent
    assert outcome.error and "hooks.invalid does not resolve" in outcome.error


async def test_a_refused_connection_is_worth_a_retry_the_receiver_may_be_restarting() -> None:
    port = free_port()

    outcome = await _send(f"json://127.0.0.1:{port}/hook")

    assert not outcome.ok and not outcome.permanent
    assert outcome.error and f"connection to 127.0.0.1:{port} refused" in outcome.error


async def test_the_secret_of_the_url_is_not_in_a_permanent_failure(
    answering: WebhookReceiver,
) -> None:
    answering.fail_status = 401

    outcome = await _send(f"json://hookuser:Sup3rSecretPw@127.0.0.1:{answering.port}/t0k3nPath")

    assert outcome.permanent and outcome.error
    assert "Sup3rSecretPw" not in outcome.error and "t0k3nPath" not in outcome.error


@pytest.fixture
def picky_smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(
        refuse={
            "gone@example.com": "550 5.1.1 No such user here",
            "busy@example.com": "451 4.7.1 Greylisted, try again later",
        }
    )
    server.start()
    yield server
    server.stop()


async def test_an_smtp_server_refusing_the_recipient_for_good_fails_for_good(
    picky_smtp: SmtpServer,
) -> None:
    outcome = await _send(picky_smtp.url(to="gone@example.com"))

    assert not outcome.ok and outcome.permanent
    assert outcome.error and "refused the recipient: 550 5.1.1 No such user here" in outcome.error


async def test_an_smtp_server_refusing_the_recipient_for_now_is_worth_a_retry(
    picky_smtp: SmtpServer,
) -> None:
    outcome = await _send(picky_smtp.url(to="busy@example.com"))

    assert not outcome.ok and not outcome.permanent
    assert outcome.error and "451" in outcome.error


async def test_the_answers_of_one_send_are_not_mixed_with_another_running_at_once(
    answering: WebhookReceiver, picky_smtp: SmtpServer
) -> None:
    answering.fail_status = 503
    webhook, mail, ok = await asyncio.gather(
        _send(answering.url()),
        _send(picky_smtp.url(to="gone@example.com")),
        _send(picky_smtp.url(to="ops@example.com")),
    )

    assert not webhook.permanent and mail.permanent and ok.ok
