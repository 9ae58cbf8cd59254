"""The two messages of the product's own mail so far: the organization invitation and
the status-page subscription confirmation. Each says its subject, its link and what
happens if it was not expected, in text and in HTML; the HTML escapes what people
typed (organization names, page titles), the text shows it as typed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any

import pytest

from betteruptime.mail.addresses import MailInputError
from betteruptime.mail.message import MailMessage
from betteruptime.mail.templates import invitation_mail, subscription_confirmation_mail

HOSTILE = '<script>alert("x")</script> & <b>Co</b>'
ACCEPT_URL = "https://uptime.example.com/invitations/t0k3n?from=mail&x=1"
EXPIRES = datetime(2026, 3, 8, 9, 5, tzinfo=UTC)


class _Page(HTMLParser):
    """The tags and link targets of an HTML part, as a mail program reads them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [value or "" for name, value in attrs if tag == "a" and name == "href"]


def _invitation(**fields: Any) -> MailMessage:
    values: dict[str, Any] = {
        "to": "new@example.com",
        "inviter": "ann@example.com",
        "organization": "Acme",
        "role": "viewer",
        "accept_url": ACCEPT_URL,
        "expires_at": EXPIRES,
    }
    return invitation_mail(**(values | fields))


def test_the_invitation_says_who_invited_whom_where_and_as_what() -> None:
    mail = _invitation()

    assert mail.to == "new@example.com"
    assert mail.subject == "ann@example.com invited you to join Acme on BetterUptime as viewer"
    assert mail.text.startswith(
        "ann@example.com invited you to join Acme on BetterUptime as viewer: "
        "sees everything and changes nothing.\n"
    )
    assert f"\n{ACCEPT_URL}\n" in mail.text
    assert "until Sunday 8 March 2026, 09:05 UTC" in mail.text
    assert "ignore this e-mail" in mail.text
    assert mail.html is not None
    page = _Page(mail.html)
    assert page.links == [ACCEPT_URL, ACCEPT_URL]  # the button, and the address written out
    assert "until Sunday 8 March 2026, 09:05 UTC" in mail.html
    assert f"<title>{mail.subject}</title>" in mail.html


def test_the_expiry_is_said_in_utc_whatever_zone_it_came_in() -> None:
    paris = timezone(timedelta(hours=1))
    mail = _invitation(expires_at=datetime(2026, 3, 8, 10, 5, tzinfo=paris))

    assert "until Sunday 8 March 2026, 09:05 UTC" in mail.text


@pytest.mark.parametrize(
    ("role", "summary"),
    [
        ("owner", "everything, including deleting the organization"),
        ("admin", "members, invitations, channels and API tokens, and all an editor does"),
        ("editor", "monitors, status pages, maintenance windows and incidents"),
        ("viewer", "sees everything and changes nothing"),
    ],
)
def test_the_invitation_says_what_the_role_may_do(role: str, summary: str) -> None:
    mail = _invitation(role=role)

    assert f"as {role}: {summary}." in mail.text
    assert mail.html is not None and f"<strong>{role}</strong>: {summary}." in mail.html


def test_the_html_escapes_what_people_typed_and_the_text_keeps_it() -> None:
    mail = _invitation(inviter='Ann "the boss" <ann@example.com>', organization=HOSTILE)

    assert mail.html is not None
    page = _Page(mail.html)
    assert "script" not in page.tags and "b" not in page.tags
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" in mail.html
    )
    assert "Ann &#34;the boss&#34; &lt;ann@example.com&gt;" in mail.html
    assert HOSTILE in mail.text and HOSTILE in mail.subject
    assert "&lt;" not in mail.text + mail.subject


@pytest.mark.parametrize("field", ["inviter", "organization", "role"])
def test_a_line_break_brought_into_the_subject_is_refused_not_sent(field: str) -> None:
    with pytest.raises(MailInputError, match="line breaks"):
        _invitation(**{field: "Acme\r\nBcc: everyone@example.com"})


def test_the_subscription_confirmation_links_to_the_confirmation_and_the_page() -> None:
    confirm = "https://status.example.com/status/shop/confirm/c0nf1rm"
    page_url = "https://status.example.com/status/shop"

    mail = subscription_confirmation_mail(
        to="visitor@example.com", page_title=HOSTILE, page_url=page_url, confirm_url=confirm
    )

    assert mail.subject == f"Confirm your subscription to {HOSTILE}"
    assert f"\n{confirm}\n" in mail.text and page_url in mail.text
    assert "without confirmation you receive nothing more" in mail.text
    assert mail.html is not None
    page = _Page(mail.html)
    assert page.links == [confirm, confirm, page_url]
    assert "script" not in page.tags
    assert "Confirm your subscription to &lt;script&gt;" in mail.html
