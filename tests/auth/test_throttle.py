"""The attempt limiter: a sliding window per key, with the wait it answers."""

from __future__ import annotations

from betteruptime.auth.throttle import SWEEP_EVERY, Throttle


def test_it_allows_up_to_the_limit_in_the_window_then_says_how_long_to_wait() -> None:
    throttle = Throttle(limit=3, window_seconds=60)

    allowed = [throttle.hit("ip", now) for now in (0.0, 10.0, 20.0)]
    refused = throttle.hit("ip", 30.0)

    assert allowed == [None, None, None]
    assert refused == 30.0  # the attempt at 0 leaves the window at 60


def test_a_refused_attempt_does_not_extend_the_wait() -> None:
    throttle = Throttle(limit=1, window_seconds=60)
    throttle.hit("ip", 0.0)

    assert throttle.hit("ip", 30.0) == 30.0
    assert throttle.hit("ip", 59.0) == 1.0
    assert throttle.hit("ip", 60.0) is None


def test_keys_are_counted_apart_and_reset_forgets_one() -> None:
    throttle = Throttle(limit=1, window_seconds=60)
    throttle.hit("a", 0.0)
    throttle.hit("b", 0.0)

    throttle.reset("a")

    assert throttle.hit("a", 1.0) is None
    assert throttle.hit("b", 1.0) == 59.0


def test_keys_not_seen_for_a_window_are_forgotten() -> None:
    throttle = Throttle(limit=5, window_seconds=10)
    for n in range(SWEEP_EVERY - 1):
        throttle.hit(f"address-{n}", 0.0)

    throttle.hit("late", 100.0)  # the SWEEP_EVERY-th call sweeps

    assert set(throttle._hits) == {"late"}
