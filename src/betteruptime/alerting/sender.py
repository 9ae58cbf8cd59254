"""Sending one rendered message to one Apprise URL, and saying how it went.

Apprise is synchronous, so each send runs in a thread of our own pool: the event loop
never blocks on a slow SMTP server or webhook. Apprise's own log lines for the call are
returned as the error text; Apprise masks secrets in them (secure logging), and we
strip anything that still looks like the channel URL.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from apprise import Apprise, AppriseAsset, NotifyFormat, NotifyType

from betteruptime.alerting.guard import guarded
from betteruptime.alerting.render import Rendered
from betteruptime.alerting.urls import mask_url
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
    # A retry cannot help (the URL itself is unusable).
    permanent: bool = False


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
        with guarded(self._policy) as refusals:
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
        return SendOutcome(False, _error_text([entry.message for entry in result.logs()], url))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
