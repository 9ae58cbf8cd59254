"""How often workers say they are alive, when one counts as gone, and which regions have
a live worker for each kind of check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# Workers beat every HEARTBEAT_SECONDS; three missed beats and a worker counts as gone.
HEARTBEAT_SECONDS = 5.0
LIVE_FOR = timedelta(seconds=3 * HEARTBEAT_SECONDS)

# Kinds only a worker started with --browser checks.
BROWSER_KINDS = frozenset({"browser"})


@dataclass(frozen=True, slots=True)
class LiveRegions:
    """The regions with a live worker (`any`), and those with a live worker started with
    --browser (`browser`): a browser check is checked only from the latter."""

    any: frozenset[str] = frozenset()
    browser: frozenset[str] = frozenset()

    def for_kind(self, kind: str) -> frozenset[str]:
        """Where a monitor of `kind` can be checked now."""
        return self.browser if kind in BROWSER_KINDS else self.any
