"""The SMTP mailer: the standard library's smtplib, run in threads of our own.

Why smtplib in a thread rather than aiosmtplib: no new dependency, and the replies it
raises are already watched and judged for channel e-mail (`alerting/wire.py` notes them,
`alerting/failures.py` says whether a retry can help), so product mail is classified by
the same code, in the same words. Product mail is a trickle next to checks (an
invitation, a subscriber's confirmation), so a blocking client in a small pool costs
nothing. The pool is the mailer's own, not the loop's default executor, which also runs
DNS lookups: a slow mail server never holds up anything else.

Each send opens a connection, upgrades it (STARTTLS, or TLS from the start for
smtps://, the certificate verified), logs in if the URL has a login, hands the message
over and says QUIT. Every network step has the URL's timeout.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING

from betteruptime.alerting.failures import Observation, SmtpRefusal, classify
from betteruptime.alerting.wire import observed
from betteruptime.logs import get_logger, kv
from betteruptime.mail.addresses import Mailbox, parse_mailbox
from betteruptime.mail.config import SmtpConfig
from betteruptime.mail.mailer import Mailer, MailError
from betteruptime.mail.message import MailMessage, compose

if TYPE_CHECKING:
    from betteruptime.settings import Settings

MAX_PARALLEL = 4
log = get_logger("mail")


class SmtpMailer:
    def __init__(
        self,
        config: SmtpConfig,
        *,
        sender: Mailbox,
        tls_context: ssl.SSLContext | None = None,
        max_parallel: int = MAX_PARALLEL,
    ) -> None:
        self._config = config
        self._sender = sender
        # The system's trust store (SSL_CERT_FILE honoured), host names checked.
        self._tls = tls_context or ssl.create_default_context()
        self._pool = ThreadPoolExecutor(max_workers=max_parallel, thread_name_prefix="smtp")

    @property
    def server(self) -> str:
        """The server, as logs and errors name it (never with its password)."""
        return self._config.describe()

    async def send(self, message: MailMessage) -> None:
        email = compose(message, sender=self._sender)
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._pool, self._deliver, email, message.to)
        except MailError as error:
            log.warning(
                kv(
                    event="mail_failed",
                    server=self.server,
                    to=message.to,
                    permanent=error.permanent,
                    reason=error.reason,
                )
            )
            raise
        log.info(kv(event="mail_sent", server=self.server, to=message.to, id=email["Message-ID"]))

    def close(self) -> None:
        """Stop the pool's threads once their sends are done."""
        self._pool.shutdown(wait=False)

    def _deliver(self, email: EmailMessage, to: str) -> None:
        """One send, in a pool thread: MailError if the server did not take it."""
        config = self._config
        with observed() as seen:
            try:
                smtp = self._connect()
            except (smtplib.SMTPException, OSError) as error:
                raise self._failure(error, seen) from error
            try:
                if config.starttls:
                    smtp.starttls(context=self._tls)
                if config.username and config.password:
                    smtp.login(config.username, config.password)
                smtp.send_message(email, from_addr=self._sender.address, to_addrs=[to])
            except (smtplib.SMTPException, OSError) as error:
                smtp.close()
                raise self._failure(error, seen) from error
        # Taken: a failed goodbye must not make it look unsent (and sent twice).
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _connect(self) -> smtplib.SMTP:
        config = self._config
        if config.implicit_tls:
            return smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout_seconds, context=self._tls
            )
        return smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds)

    def _failure(self, error: Exception, seen: list[Observation]) -> MailError:
        """What `error` (and the replies seen before it) say, as a MailError."""
        server = self.server
        if isinstance(error, ssl.SSLCertVerificationError):
            # A wrong or expired certificate is for a person to fix; retries cannot.
            reason = error.verify_message or "verification failed"
            return MailError(f"{server}: its TLS certificate was refused: {reason}", permanent=True)
        if isinstance(error, smtplib.SMTPServerDisconnected):
            # Before wire.py's reading: it takes this OSError, raised when the greeting
            # timed out or the server hung up, for a connection never made.
            return MailError(f"{server}: {error}", permanent=False)
        if isinstance(error, smtplib.SMTPResponseException) and not seen:
            # A reply wire.py does not watch for (EHLO, the command after STARTTLS).
            reply = error.smtp_error
            text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
            seen = [SmtpRefusal(error.smtp_code, text, "command")]
        verdict = classify(seen, now=datetime.now(UTC))
        if verdict.reason is not None:
            return MailError(f"{server}: {verdict.reason}", permanent=verdict.permanent)
        if isinstance(error, smtplib.SMTPException):
            # The server cannot do what the URL asks (no STARTTLS, no AUTH, no login
            # method in common): it will not learn between two attempts.
            return MailError(f"{server}: {error}", permanent=True)
        if isinstance(error, TimeoutError):
            seconds = self._config.timeout_seconds
            return MailError(f"{server}: no answer within {seconds:g} s", permanent=False)
        return MailError(f"{server}: {getattr(error, 'strerror', None) or error}", permanent=False)


def mailer_from_settings(settings: Settings) -> Mailer | None:
    """The mailer BETTERUPTIME_SMTP_URL names, from BETTERUPTIME_MAIL_FROM; None when the
    URL is unset: the product sends no mail (callers show the link instead)."""
    config = settings.smtp()
    if config is None:
        log.info(kv(event="mail_off", reason="BETTERUPTIME_SMTP_URL is not set"))
        return None
    log.info(
        kv(
            event="mail_on",
            server=config.describe(),
            tls=config.security,
            sender=settings.mail_from,
        )
    )
    return SmtpMailer(config, sender=parse_mailbox(settings.mail_from))
