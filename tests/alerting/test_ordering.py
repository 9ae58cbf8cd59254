"""The order of a monitor's messages on a channel, decided without I/O: one at a time in
the order planned (a down goes out before its recovery, even late), stale reminders and
paging dropped, nothing held up for ever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from betteruptime.alerting.ordering import (
    ACKNOWLEDGED,
    GONE,
    POLL,
    RESOLVED,
    Drop,
    Queued,
    Send,
    Wait,
    decide,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=2)
SHOP, HOOK = 1, 7


def message(id: int, kind: str = "down", **fields: Any) -> Queued:
    values: dict[str, Any] = {
        "monitor_id": SHOP,
        "channel_id": HOOK,
        "incident": "open",
        "due_at": NOW,
    } | fields
    return Queued(id, kind=kind, **values)


def test_with_nothing_ahead_everything_due_is_sent() -> None:
    claimed = [message(1), message(2, monitor_id=2), message(3, channel_id=8)]

    assert decide(claimed, [], now=NOW) == {1: Send(), 2: Send(), 3: Send()}


def test_a_recovery_behind_a_down_waiting_for_a_retry_waits_for_it() -> None:
    down = message(1, incident="resolved", due_at=LATER)  # waiting for its retry
    up = message(2, "up", incident="resolved")

    assert decide([up], [down], now=NOW) == {2: Wait(behind=1, until=LATER)}
    # When the down comes due, it still goes out: the outage happened, and it comes first.
    assert decide([down], [up], now=LATER) == {1: Send()}


def test_a_down_and_its_recovery_due_together_go_down_first() -> None:
    down, up = message(1, incident="resolved"), message(2, "up", incident="resolved")

    assert decide([up, down], [], now=NOW) == {1: Send(), 2: Wait(behind=1, until=NOW + POLL)}


def test_an_acknowledgement_waits_for_the_down_ahead_of_it_until_its_retry() -> None:
    down = message(1, incident="acknowledged", due_at=LATER)
    ack = message(2, "acknowledged", incident="acknowledged")

    assert decide([ack], [down], now=NOW) == {2: Wait(behind=1, until=LATER)}


def test_a_message_behind_one_being_sent_looks_again_after_a_short_poll() -> None:
    sending = message(1, in_flight=True)
    ack = message(2, "acknowledged")

    assert decide([ack], [sending], now=NOW) == {2: Wait(behind=1, until=NOW + POLL)}


def test_a_down_being_sent_holds_the_line_it_will_arrive_first() -> None:
    sending = message(1, incident="resolved", in_flight=True)
    up = message(2, "up", incident="resolved")

    assert decide([up], [sending], now=NOW) == {2: Wait(behind=1, until=NOW + POLL)}


def test_messages_due_together_go_one_at_a_time_in_the_order_planned() -> None:
    down, ack, up = message(1), message(2, "acknowledged"), message(3, "up")

    decisions = decide([up, ack, down], [], now=NOW)

    assert decisions == {
        1: Send(),
        2: Wait(behind=1, until=NOW + POLL),
        3: Wait(behind=2, until=NOW + POLL),
    }


def test_other_monitors_and_channels_are_not_held_up() -> None:
    waiting = message(1, due_at=LATER)
    other_monitor = message(2, "up", monitor_id=2)
    other_channel = message(3, "up", channel_id=8)

    assert decide([other_monitor, other_channel], [waiting], now=NOW) == {2: Send(), 3: Send()}


def test_a_later_message_does_not_hold_up_an_earlier_one() -> None:
    later = message(5, "up", due_at=LATER)

    assert decide([message(4)], [later], now=NOW) == {4: Send()}


def test_a_message_folded_into_a_digest_holds_its_line_through_the_digest() -> None:
    folded = message(1, carrier_id=40, due_at=LATER)  # the digest 40 waits for a retry
    ack = message(2, "acknowledged")

    assert decide([ack], [folded], now=NOW) == {2: Wait(behind=40, until=LATER)}


def test_a_stale_reminder_in_a_waiting_digest_holds_nothing_up() -> None:
    folded = message(1, "reminder", incident="resolved", carrier_id=40, due_at=LATER)
    up = message(2, "up", incident="resolved")

    assert decide([up], [folded], now=NOW) == {2: Send()}


def test_a_resolved_outage_in_a_waiting_digest_keeps_its_recovery_behind_it() -> None:
    folded = message(1, incident="resolved", carrier_id=40, due_at=LATER)
    up = message(2, "up", incident="resolved")

    assert decide([up], [folded], now=NOW) == {2: Wait(behind=40, until=LATER)}


def test_digests_are_not_ordered_themselves() -> None:
    digest = message(40, "digest", monitor_id=None, incident=None)

    assert decide([digest], [message(1, due_at=LATER)], now=NOW) == {40: Send()}


def test_reminders_are_dropped_once_it_is_over_and_paging_once_someone_is_on_it() -> None:
    claimed = [
        message(1, "reminder", incident="acknowledged"),
        message(2, "down", escalation=True, incident="acknowledged", channel_id=8),
        message(3, "reminder", incident="resolved", monitor_id=2),
        message(4, "down", escalation=True, incident="gone", monitor_id=3),
        message(5, "down", incident="acknowledged", monitor_id=4),  # at once: still sent
        message(6, "acknowledged", incident="resolved", monitor_id=5),  # history: still told
        message(7, "acknowledged", incident="acknowledged", monitor_id=6),
        message(8, "down", incident="resolved", monitor_id=7),  # history: still told
    ]

    assert decide(claimed, [], now=NOW) == {
        1: Drop(ACKNOWLEDGED),
        2: Drop(ACKNOWLEDGED),
        3: Drop(RESOLVED),
        4: Drop(GONE),
        5: Send(),
        6: Send(),
        7: Send(),
        8: Send(),
    }


def test_messages_about_no_incident_are_ordered_too() -> None:
    degraded = message(1, "degraded", incident=None, due_at=LATER)
    started = message(2, "maintenance_started", incident=None)

    assert decide([started], [degraded], now=NOW) == {2: Wait(behind=1, until=LATER)}


def test_the_line_follows_the_events_order_not_the_order_rows_were_planned_in() -> None:
    # Two notifiers planned the acknowledgement (event 8) before the down (event 3).
    ack = message(1, "acknowledged", seq=8)
    down = message(2, seq=3, due_at=LATER)

    assert decide([ack], [down], now=NOW) == {1: Wait(behind=2, until=LATER)}
    assert decide([down], [ack], now=NOW) == {2: Send()}
