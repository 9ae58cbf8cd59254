"""Logging: one line per event, naming the component, with key=value fields.

    2026-11-28T17:00:00Z INFO component=scheduler published jobs=120 lag_ms=3.1

Call sites pass fields through `kv(...)`; nothing that may hold a secret (URLs with
credentials, tokens, passwords) is ever passed to it.
"""

from __future__ import annotations

import logging
import sys
import time

PREFIX = "betteruptime."


def kv(**fields: object) -> str:
    """Format fields as `key=value`, quoting values with spaces."""
    parts = []
    for key, value in fields.items():
        text = f"{value:.1f}" if isinstance(value, float) else str(value)
        if not text or any(ch in text for ch in ' ="'):
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        parts.append(f"{key}={text}")
    return " ".join(parts)


class _Formatter(logging.Formatter):
    converter = staticmethod(time.gmtime)

    def format(self, record: logging.LogRecord) -> str:
        component = record.name.removeprefix(PREFIX)
        stamp = self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + "Z"
        line = f"{stamp} {record.levelname} component={component} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure(level: str = "INFO") -> None:
    """`level` for BetterUptime's own loggers; other libraries never below INFO. Their
    debug output carries data: aiosqlite and asyncpg print SQL with its parameters
    (channel URLs, ping tokens), Apprise the URLs it posts to."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    own = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    root.setLevel(max(own, logging.INFO))
    logging.getLogger(PREFIX.rstrip(".")).setLevel(own)
    # Access logs would print every request path; ping tokens travel in paths later on.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # The AMQP client logs a traceback for every dropped connection, then reconnects;
    # aio_pika.robust_connection's one line ("closed. Reconnecting after …") says it all.
    logging.getLogger("aiormq").setLevel(logging.CRITICAL)
    logging.getLogger("aio_pika.tools").setLevel(logging.CRITICAL)


def get_logger(component: str) -> logging.Logger:
    return logging.getLogger(PREFIX + component)
