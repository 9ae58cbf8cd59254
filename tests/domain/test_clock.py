"""Correcting absurd worker clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from betteruptime.domain.clock import honest_checked_at

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
DUE = NOW - timedelta(seconds=2)


def test_a_plausible_time_is_kept() -> None:
    assert honest_checked_at(DUE + timedelta(seconds=1), due_at=DUE, now=NOW) is None
    # Within the skew margins on both sides.
    assert honest_checked_at(DUE - timedelta(seconds=29), due_at=DUE, now=NOW) is None
    assert honest_checked_at(NOW + timedelta(seconds=29), due_at=DUE, now=NOW) is None


def test_a_time_in_the_future_is_replaced_by_the_receipt_time() -> None:
    assert honest_checked_at(NOW + timedelta(hours=3), due_at=DUE, now=NOW) == NOW


def test_a_time_long_before_the_due_time_is_replaced() -> None:
    assert honest_checked_at(DUE - timedelta(days=365), due_at=DUE, now=NOW) == NOW
