"""Retry policy: exponential back-off, a cap on each delay, and a last attempt."""

from __future__ import annotations

import itertools

import pytest

from betteruptime.alerting.retry import RetryPolicy

DEFAULT = RetryPolicy()


def delays(policy: RetryPolicy) -> list[float | None]:
    return [policy.delay_after(n) for n in range(1, policy.max_attempts + 1)]


def test_the_default_outlasts_a_ten_minute_receiver_outage() -> None:
    assert DEFAULT.max_attempts >= 5
    assert DEFAULT.total_span_seconds() >= 600


def test_the_default_delays_are_30_seconds_doubling() -> None:
    assert delays(DEFAULT) == [30.0, 60.0, 120.0, 240.0, 480.0, None]
    assert DEFAULT.total_span_seconds() == 930.0


def test_each_delay_is_the_previous_times_the_factor() -> None:
    policy = RetryPolicy(max_attempts=6, first_delay_seconds=2.0, factor=3.0)
    steps = [d for d in delays(policy) if d is not None]
    assert steps[0] == 2.0
    assert len(steps) == policy.max_attempts - 1
    for earlier, later in itertools.pairwise(steps):
        assert later == pytest.approx(earlier * 3.0)


@pytest.mark.parametrize("max_attempts", [1, 2, 5, 6])
def test_there_is_no_delay_after_the_last_attempt(max_attempts: int) -> None:
    policy = RetryPolicy(max_attempts=max_attempts)
    assert policy.delay_after(max_attempts) is None
    assert policy.delay_after(max_attempts + 1) is None
    assert all(policy.delay_after(n) is not None for n in range(1, max_attempts))


def test_a_single_attempt_policy_spans_nothing() -> None:
    assert RetryPolicy(max_attempts=1).total_span_seconds() == 0.0


def test_no_delay_exceeds_the_cap() -> None:
    policy = RetryPolicy(
        max_attempts=12, first_delay_seconds=30.0, factor=2.0, max_delay_seconds=300.0
    )
    assert delays(policy)[:5] == [30.0, 60.0, 120.0, 240.0, 300.0]
    assert all(d == 300.0 for d in delays(policy)[4:-1])
    # The span adds the capped delays: 30 + 60 + 120 + 240 and seven of 300.
    assert policy.total_span_seconds() == 450.0 + 7 * 300.0


def test_the_default_cap_is_an_hour() -> None:
    policy = RetryPolicy(max_attempts=30)
    assert policy.delay_after(29) == 3600.0
    assert max(d for d in delays(policy) if d is not None) == 3600.0


def test_total_span_is_the_sum_of_the_waits_between_attempts() -> None:
    policy = RetryPolicy(max_attempts=4, first_delay_seconds=1.0, factor=3.0)
    assert policy.total_span_seconds() == 1.0 + 3.0 + 9.0


def test_a_retry_after_longer_than_the_back_off_sets_the_next_attempt() -> None:
    assert DEFAULT.delay_after(1, retry_after=120.0) == 120.0
    # Shorter than ours: the back-off still spaces the attempts.
    assert DEFAULT.delay_after(3, retry_after=5.0) == 120.0


def test_a_retry_after_is_honoured_only_up_to_fifteen_minutes() -> None:
    assert DEFAULT.delay_after(1, retry_after=86_400.0) == 900.0
    assert RetryPolicy(max_retry_after_seconds=60.0).delay_after(1, retry_after=600.0) == 60.0


def test_a_retry_after_still_counts_towards_the_attempt_limit() -> None:
    assert DEFAULT.delay_after(DEFAULT.max_attempts, retry_after=30.0) is None
