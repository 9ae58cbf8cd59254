"""One message of the product's own mail, and the e-mail built from it.

A `MailMessage` is checked when it is made: the recipient is an address, the subject
and every extra header hold no line break or control character (header injection), and
the headers the mailer writes itself cannot be given twice. So a message that exists can
be sent, and a bad one fails where it was written, not in the mail server's reply.

The e-mail has a Date and a Message-ID (made here, in the sender's domain: no DNS lookup
of our own host name), `Auto-Submitted: auto-generated` (RFC 3834: out-of-office robots
do not answer it), and the text as text/plain, with the HTML as its
multipart/alternative twin when there is one. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from betteruptime.mail.addresses import Mailbox, MailInputError, check_address, refuse_control

MAX_SUBJECT_LENGTH = 250
# Written by compose() alone; given again, a header would appear twice.
OWN_HEADERS = frozenset(
    {
        "from",
        "sender",
        "to",
        "cc",
        "bcc",
        "subject",
        "date",
        "message-id",
        "auto-submitted",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    }
)
# RFC 5322 field names: printable ASCII but the colon.
_FIELD_NAME = re.compile(r"[!-9;-~]{1,76}")


@dataclass(frozen=True, slots=True)
class MailMessage:
    to: str
    subject: str
    text: str
    html: str | None = None
    # More headers, such as List-Unsubscribe and List-Unsubscribe-Post (RFC 8058).
    headers: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "to", check_address(self.to))
        refuse_control(self.subject, "a subject")
        if not self.subject.strip() or len(self.subject) > MAX_SUBJECT_LENGTH:
            raise MailInputError(f"a subject has 1 to {MAX_SUBJECT_LENGTH} characters")
        for name, value in self.headers:
            if not _FIELD_NAME.fullmatch(name):
                raise MailInputError("a header name is printable ASCII without a colon")
            if name.lower() in OWN_HEADERS:
                raise MailInputError(f"the {name} header is written by the mailer")
            refuse_control(value, f"the {name} header")


def compose(message: MailMessage, *, sender: Mailbox, now: datetime | None = None) -> EmailMessage:
    """The e-mail to send for `message`, from `sender`."""
    email = EmailMessage()
    email["From"] = str(sender)
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now or datetime.now(UTC))
    email["Message-ID"] = make_msgid(domain=sender.domain)
    email["Auto-Submitted"] = "auto-generated"
    for name, value in message.headers:
        email[name] = value
    email.set_content(message.text)
    if message.html is not None:
        email.add_alternative(message.html, subtype="html")
    return email
