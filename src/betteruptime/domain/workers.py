"""How often workers say they are alive, and when one counts as gone."""

from __future__ import annotations

from datetime import timedelta

# Workers beat every HEARTBEAT_SECONDS; three missed beats and a worker counts as gone.
HEARTBEAT_SECONDS = 5.0
LIVE_FOR = timedelta(seconds=3 * HEARTBEAT_SECONDS)
