"""E-mail channels end to end: the notifier on a real database sends through Apprise's
`mailto://` to a real SMTP server the test runs, which must receive each alert as one
multipart/alternative e-mail with a plain-text and an HTML part."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from betteruptime.alerting.render import format_duration
from betteruptime.db.models import Incident, Notification
from betteruptime.db.session import SessionFactory
from notifier.conftest import World
from testkit.smtp import ReceivedMail, SmtpServer
from testkit.waiting import eventually

LOGIN = ("alerts", "s3cret-relay-pass")

# The test relay takes a login without TLS, as a local relay may; aiosmtpd warns about it.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(login=LOGIN)
    server.start()
    yield server
    server.stop()


async def _mails(smtp: SmtpServer, expected: int) -> bool:
    return len(smtp.mails()) >= expected


async def _notifications(sessions: SessionFactory) -> list[Notification]:
    async with sessions() as session:
        return list((await session.scalars(select(Notification).order_by(Notification.id))).all())


def _assert_alternative(mail: ReceivedMail) -> tuple[str, str]:
    """The e-mail is multipart/alternative of text and HTML; returns (text, html)."""
    assert mail.message.get_content_type() == "multipart/alternative", mail.subject
    kinds = [part.get_content_type() for part in mail.message.iter_parts()]
    assert sorted(kinds) == ["text/html", "text/plain"], kinds
    return mail.part("text/plain"), mail.part("text/html")


async def test_an_outage_sends_one_down_and_one_recovery_email(
    world: World, smtp: SmtpServer, start_notifier: Any, sessions: SessionFactory
) -> None:
    channel = await world.channel(smtp.url(), name="ops mail")
    name = "Shop <EU> & Co"
    monitor = await world.monitor(name, [(channel, {})], url="https://shop.example.com/cart")
    start_notifier()

    cause = "connect timeout after 5.0 s (shop.example.com:443)"
    incident_id = await world.go_down(monitor, cause=cause)
    await eventually(lambda: _mails(smtp, 1), within=15, what="the down e-mail")
    await world.recover(monitor, incident_id)
    await eventually(lambda: _mails(smtp, 2), within=15, what="the recovery e-mail")
    await asyncio.sleep(1.5)  # time for a duplicate to show up, if one were coming

    mails = smtp.mails()
    assert [mail.subject for mail in mails] == [f"[DOWN] {name}", f"[RECOVERED] {name}"]
    for mail in mails:
        assert mail.mail_from == "alerts@example.com"
        assert mail.rcpt_tos == ["ops@example.com"]
    assert smtp.logins and all(login == (LOGIN[0], True) for login in smtp.logins)

    down_text, down_html = _assert_alternative(mails[0])
    assert f"{name} is down." in down_text
    assert cause in down_text
    assert "https://shop.example.com/cart" in down_text
    assert "Shop &lt;EU&gt; &amp; Co" in down_html and "<EU>" not in down_html
    assert cause in down_html
    assert "Down for" not in down_text

    async with sessions() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None and incident.resolved_at is not None
        downtime = format_duration((incident.resolved_at - incident.started_at).total_seconds())
    up_text, up_html = _assert_alternative(mails[1])
    assert f"{name} is up again after {downtime}." in up_text
    assert "Down for" in up_text and "Down for" in up_html
    assert downtime.startswith("1m ")  # go_down dates the failure 90 s before confirmation
    assert f"<b>Down for:</b> {downtime}" in up_html

    assert [(n.kind, n.status) for n in await _notifications(sessions)] == [
        ("down", "sent"),
        ("up", "sent"),
    ]


async def test_a_refused_smtp_login_fails_for_good_at_once_without_the_password_in_the_record(
    world: World, smtp: SmtpServer, start_notifier: Any, sessions: SessionFactory
) -> None:
    wrong = "wr0ng-relay-pass"
    channel = await world.channel(smtp.url(password=wrong), name="ops mail")
    monitor = await world.monitor("billing", [(channel, {})])
    start_notifier()
    await world.go_down(monitor)

    async def settled() -> bool:
        return [n.status for n in await _notifications(sessions)] == ["failed"]

    await eventually(settled, within=20, what="the e-mail to end failed")
    assert smtp.mails() == []
    assert smtp.logins and not any(accepted for _, accepted in smtp.logins)
    (notification,) = await _notifications(sessions)
    # SMTP 535: the password is wrong, and will be on every retry.
    assert notification.attempts == 1
    assert notification.last_error
    assert "the SMTP server refused the login: 535" in notification.last_error
    assert wrong not in notification.last_error and LOGIN[1] not in notification.last_error
