"""Sending one rendered message to one Apprise URL, and saying how it went.

Apprise is synchronous, so each send runs in a thread of our own pool: the event loop
never blocks on a slow SMTP server or webhook. Apprise's own log lines for the call are
returned as the error text; Apprise masks secrets in them (secure logging), and we
strip anything that still looks like the channel URL.

Whether a failure is worth a retry is judged on what the receiver answered (the HTTP
status and Retry-After, the SMTP reply, whether the host name exists), seen by
`wire.observed()` while Apprise sends, never parsed from its log text (`failures.py`).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from apprise import Apprise, AppriseAsset, NotifyFormat, NotifyType

from betteruptime.alerting.failures import classify
from betteruptime.alerting.guard import guarded
from betteruptime.alerting.render import Rendered
from betteruptime.alerting.urls import mask_url
from betteruptime.alerting.wire import observed
from betteruptime.domain.addresses import TargetPolicy

# E-mail gets HTML (Apprise adds the plain-text part); everything else gets text.
HTML_SCHEMES = frozenset({"mailto", "mailtos"})
NOTIFY_TYPES = {
    "down": NotifyType.FAILURE,
    "reminder": NotifyType.WARNING,
    "degraded": NotifyType.WARNING,
    "up": NotifyType.SUCCESS,
}
MAX_ERROR_CHARS = 1000
DEFAULT_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class SendOutcome:
    ok: bool
    error: str | None = None
    # A retry cannot help: the URL is unusable, or the receiver refused it for good
    # (a 4xx but 408 and 429, an SMTP 5xx, a host name that does not exist).
    permanent: bool = False
    # The receiver asked for the next attempt no sooner than this (429/503 Retry-After).
    retry_after: float | None = None


class Sender(Protocol):
    async def send(self, url: str, message: Rendered, *, kind: str) -> SendOutcome: ...


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower()


def _error_text(lines: list[str], url: str) -> str:
    text = "; ".join(dict.fromkeys(line.strip() for line in lines if line.strip()))
    text = text.replace(url, mask_url(url)) or "the service refused the message"
    return text[:MAX_ERROR_CHARS]


class AppriseSender:
    """The real sender: Apprise, in a bounded thread pool."""

    def __init__(
        self,
        *,
        max_parallel: int = 16,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        policy: TargetPolicy | None = None,
    ) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_parallel, thread_name_prefix="apprise")
        self._timeout = timeout_seconds
        self._policy = policy or TargetPolicy()

    async def send(self, url: str, message: Rendered, *, kind: str) -> SendOutcome:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._send_blocking, url, message, kind)

    def _send_blocking(self, url: str, message: Rendered, kind: str) -> SendOutcome:
        apprise = Apprise(asset=AppriseAsset(secure_logging=True))
        if not apprise.add(url):
            return SendOutcome(False, "Apprise cannot use this channel URL", permanent=True)
        html = _scheme(url) in HTML_SCHEMES
        with guarded(self._policy) as refusals, observed() as answers:
            result = apprise.notify(
                body=message.html if html else message.text,
                title=message.title,
                body_format=NotifyFormat.HTML if html else NotifyFormat.TEXT,
                notify_type=NOTIFY_TYPES.get(kind, NotifyType.INFO),
                timeout=self._timeout,
                log_level=logging.WARNING,
            )
        if result:
            return SendOutcome(True)
        if refusals:  # the target policy forbids this address: retrying cannot help
            return SendOutcome(False, _error_text(refusals, url), permanent=True)
        verdict = classify(answers, now=datetime.now(UTC))
        lines = [entry.message for entry in result.logs()]
        if verdict.reason:  # ours first: what the receiver answered, in a few words
            lines.insert(0, verdict.reason)
        return SendOutcome(
            False,
            _error_text(lines, url),
            permanent=verdict.permanent,
            retry_after=verdict.retry_after_seconds,
        )

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
