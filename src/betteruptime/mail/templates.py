"""Messages from the template pairs in `templates/`: `<name>.txt` and `<name>.html`.

The text template says the subject too, in `{% set subject %}…{% endset %}`, so the
wording of a message lives in one folder. HTML is autoescaped (an organization called
`<b>Acme</b>` reads as typed, never as markup); the text part and the subject are not
escaped, and a subject whose values bring a line break is refused by `MailMessage`, not
cleaned. A misspelt variable fails (StrictUndefined), in the tests rather than in a
stranger's inbox.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from betteruptime.mail.message import MailMessage

TEMPLATES_DIR = Path(__file__).parent / "templates"
# What each role may do, in the invitation's words.
ROLE_SUMMARIES = {
    "owner": "everything, including deleting the organization",
    "admin": "members, invitations, channels and API tokens, and all an editor does",
    "editor": "monitors, status pages, maintenance windows and incidents",
    "viewer": "sees everything and changes nothing",
}


def when(moment: datetime) -> str:
    """`Friday 12 December 2025, 14:58 UTC`: unambiguous wherever the reader lives."""
    moment = moment.astimezone(UTC)
    return f"{moment:%A} {moment.day} {moment:%B %Y, %H:%M} UTC"


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)
_env.filters["when"] = when


def render(
    name: str, *, to: str, headers: tuple[tuple[str, str], ...] = (), **values: Any
) -> MailMessage:
    """The message the `name` template pair makes of `values`, addressed to `to`."""
    text = _env.get_template(f"{name}.txt").make_module(values)
    subject = str(getattr(text, "subject", "")).strip()
    html = _env.get_template(f"{name}.html").render(values, subject=subject)
    return MailMessage(
        to=to, subject=subject, text=str(text).strip() + "\n", html=html, headers=headers
    )


def invitation_mail(
    *,
    to: str,
    inviter: str,
    organization: str,
    role: str,
    accept_url: str,
    expires_at: datetime,
) -> MailMessage:
    """The invitation, titled "<inviter> invited you to join <organization> on
    BetterUptime as <role>", with the link that accepts it and when it expires."""
    return render(
        "invitation",
        to=to,
        inviter=inviter,
        organization=organization,
        role=role,
        role_summary=ROLE_SUMMARIES.get(role),
        accept_url=accept_url,
        expires_at=expires_at,
    )


def subscription_confirmation_mail(
    *, to: str, page_title: str, page_url: str, confirm_url: str
) -> MailMessage:
    """The status-page subscriber's first mail, titled "Confirm your subscription to
    <page title>", with the link that confirms it."""
    return render(
        "subscription_confirmation",
        to=to,
        page_title=page_title,
        page_url=page_url,
        confirm_url=confirm_url,
    )
