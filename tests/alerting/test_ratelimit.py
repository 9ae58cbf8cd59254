"""Per-channel rate limiting: singles while they fit, one digest when they do not, and a
wait until the moment a slot frees up when the budget is spent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from betteruptime.alerting.ratelimit import WINDOW, SendPlan, plan_channel

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def plan(due: list[int], sent_ago: list[float], limit: int, now: datetime = NOW) -> SendPlan:
    return plan_channel(due, recent_sends=[ago(s) for s in sent_ago], limit=limit, now=now)


def test_the_default_window_is_one_minute() -> None:
    assert timedelta(minutes=1) == WINDOW


def test_nothing_due_plans_nothing_even_with_the_budget_spent() -> None:
    assert plan([], [], limit=5) == SendPlan()
    assert plan([], [1, 2, 3], limit=1) == SendPlan()


def test_what_fits_the_budget_goes_out_one_message_each() -> None:
    assert plan([11, 12, 13], [], limit=3) == SendPlan(singles=[11, 12, 13])


def test_the_budget_is_what_the_window_has_left() -> None:
    # Two sent in the last minute; three left of five.
    assert plan([1, 2, 3], [10, 40], limit=5) == SendPlan(singles=[1, 2, 3])
    assert plan([1, 2, 3, 4], [10, 40], limit=5) == SendPlan(digest=[1, 2, 3, 4])


def test_more_than_the_budget_becomes_one_digest_of_all_of_them_in_order() -> None:
    due = [5, 3, 9, 1, 7, 2]
    assert plan(due, [], limit=5) == SendPlan(digest=due)


def test_a_single_due_message_with_a_budget_of_one_goes_out_alone() -> None:
    assert plan([42], [], limit=1) == SendPlan(singles=[42])
    assert plan([42], [5, 20], limit=3) == SendPlan(singles=[42])


def test_two_due_messages_with_a_budget_of_one_become_a_digest() -> None:
    assert plan([1, 2], [5, 20], limit=3) == SendPlan(digest=[1, 2])


def test_sends_older_than_the_window_do_not_count() -> None:
    # Only the send 30 s ago is in the window: two of three slots are free.
    assert plan([1, 2], [30, 61, 90, 3600], limit=3) == SendPlan(singles=[1, 2])


def test_a_send_exactly_one_window_ago_has_left_it() -> None:
    assert plan([1], [60], limit=1) == SendPlan(singles=[1])
    assert plan([1], [59.999], limit=1).wait_until is not None


def test_a_spent_budget_waits_until_the_oldest_send_leaves_the_window() -> None:
    result = plan([1, 2], [50, 20, 5], limit=3)
    assert result.singles == [] and result.digest == []
    assert result.wait_until == ago(50) + WINDOW == NOW + timedelta(seconds=10)


def test_sends_outside_the_window_do_not_move_the_wait() -> None:
    # In the window: 45, 30 and 10 s ago; the ones 90 and 70 s ago have left.
    result = plan([1], [90, 10, 45, 70, 30], limit=3)
    assert result == SendPlan(wait_until=NOW + timedelta(seconds=15))


def test_over_the_limit_it_waits_until_enough_sends_left_for_one_slot() -> None:
    # Five in the window with a limit of two (in-flight sends can overshoot it): a slot
    # is free once only one remains, i.e. when the send 20 s ago leaves, at now + 40 s.
    result = plan([1], [55, 50, 40, 20, 5], limit=2)
    assert result == SendPlan(wait_until=NOW + timedelta(seconds=40))


@pytest.mark.parametrize(
    ("sent_ago", "limit"),
    [
        ([10], 1),
        ([59, 1], 2),
        ([58, 57, 3, 2, 1], 5),
        ([120, 58, 30, 30, 1], 3),
        ([55, 50, 40, 20, 5], 2),
    ],
)
def test_at_the_moment_it_waits_for_a_slot_is_free_and_not_a_moment_before(
    sent_ago: list[float], limit: int
) -> None:
    waiting = plan([1], sent_ago, limit=limit)
    assert waiting.wait_until is not None and waiting.wait_until > NOW
    assert plan([1], sent_ago, limit=limit, now=waiting.wait_until) == SendPlan(singles=[1])
    just_before = waiting.wait_until - timedelta(milliseconds=1)
    assert plan([1], sent_ago, limit=limit, now=just_before).wait_until == waiting.wait_until


def test_a_custom_window_is_honoured() -> None:
    sends = [ago(200), ago(100)]
    window = timedelta(minutes=5)
    result = plan_channel([1], recent_sends=sends, limit=2, now=NOW, window=window)
    assert result == SendPlan(wait_until=ago(200) + window)
    assert plan_channel([1], recent_sends=sends, limit=2, now=NOW) == SendPlan(singles=[1])
