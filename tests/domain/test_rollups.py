"""Rollup maths is pure: histograms, percentiles and buckets from plain numbers and dates."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from betteruptime.domain.rollups import (
    BUCKET_LENGTH,
    BUCKET_RATIO,
    MAX_BUCKET,
    RESOLUTIONS,
    WINDOWS,
    Aggregate,
    Resolution,
    aggregate_checks,
    aggregate_checks_by_resolution,
    bucket_bounds,
    bucket_index,
    bucket_start,
    decode_histogram,
    encode_histogram,
    merge_all,
    percentile,
)

NOW = datetime(2024, 3, 10, 13, 47, 59, 123456, tzinfo=UTC)
QUANTILES = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100]


def aggregate_of(samples: list[float]) -> Aggregate:
    aggregate = Aggregate()
    for sample in samples:
        aggregate.add(up=True, response_time_ms=sample)
    return aggregate


def exact_percentile(samples: list[float], q: float) -> float:
    """Nearest rank: the smallest sample with at least q % of the samples at or below it."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def lognormal(rng: random.Random, count: int) -> list[float]:
    return [max(1.0, rng.lognormvariate(math.log(200), 0.8)) for _ in range(count)]


def uniform(rng: random.Random, count: int) -> list[float]:
    return [rng.uniform(1, 5_000) for _ in range(count)]


def bimodal(rng: random.Random, count: int) -> list[float]:
    return [rng.gauss(40, 5) if rng.random() < 0.9 else rng.gauss(2_000, 300) for _ in range(count)]


# --- buckets ------------------------------------------------------------------------


def test_response_times_fall_inside_their_buckets_bounds() -> None:
    rng = random.Random(1)
    top = bucket_bounds(MAX_BUCKET)[1]
    samples = [rng.uniform(0, 1) for _ in range(1_000)]
    samples += [math.exp(rng.uniform(0, math.log(top))) for _ in range(10_000)]

    for ms in samples:
        low, high = bucket_bounds(bucket_index(ms))
        assert low <= ms < high, ms


def test_a_response_time_on_a_bucket_boundary_falls_in_the_bucket_it_starts() -> None:
    """1.728 ms is where bucket 4 starts: it belongs to bucket 4, and the float just below
    it to bucket 3. The log-based index is off by one around many boundaries."""
    misplaced = {}
    for index in range(2, MAX_BUCKET + 1):
        low, _ = bucket_bounds(index)
        just_below = math.nextafter(low, 0)
        if (bucket_index(just_below), bucket_index(low)) != (index - 1, index):
            misplaced[low] = (bucket_index(just_below), bucket_index(low))

    assert misplaced == {}


def test_bucket_zero_holds_everything_under_a_millisecond() -> None:
    assert [bucket_index(ms) for ms in (0.0, 0.001, 0.5, 0.999)] == [0, 0, 0, 0]
    assert bucket_bounds(0) == (0.0, 1.0)
    assert bucket_index(1.0) == 1


def test_very_long_response_times_go_to_the_last_bucket() -> None:
    assert bucket_index(1e12) == MAX_BUCKET
    assert bucket_index(float(10**15)) == MAX_BUCKET
    assert aggregate_of([1e8]).rt_percentile(50) == 1e8  # clamped to what was seen


def test_buckets_are_contiguous_and_each_twenty_percent_wider_than_the_last() -> None:
    for index in range(1, MAX_BUCKET):
        low, high = bucket_bounds(index)
        assert high / low == pytest.approx(BUCKET_RATIO)
        assert bucket_bounds(index + 1)[0] == high


# --- histogram encoding -------------------------------------------------------------


def test_a_histogram_survives_encoding_and_decoding() -> None:
    histogram = {0: 3, 1: 1, 17: 250, 30: 12, MAX_BUCKET: 2}

    assert decode_histogram(encode_histogram(histogram)) == histogram


def test_the_encoding_is_sorted_and_leaves_out_empty_buckets() -> None:
    assert encode_histogram({30: 2, 4: 7, 12: 0}) == "4:7,30:2"


def test_an_empty_histogram_encodes_to_an_empty_string_and_back() -> None:
    assert encode_histogram({}) == ""
    assert decode_histogram("") == {}


def test_decoding_adds_up_a_bucket_listed_twice() -> None:
    assert decode_histogram("3:1,5:2,3:4") == {3: 5, 5: 2}


def test_an_aggregates_histogram_survives_encoding_with_its_percentiles() -> None:
    aggregate = aggregate_of(lognormal(random.Random(2), 500))

    decoded = decode_histogram(encode_histogram(aggregate.histogram))

    for q in QUANTILES:
        assert percentile(
            decoded, q, rt_min=aggregate.rt_min, rt_max=aggregate.rt_max
        ) == aggregate.rt_percentile(q)


# --- percentiles --------------------------------------------------------------------


def test_a_percentile_of_no_samples_is_none() -> None:
    assert percentile({}, 50, rt_min=None, rt_max=None) is None
    assert Aggregate().rt_percentile(99) is None


@pytest.mark.parametrize("distribution", [lognormal, uniform, bimodal])
@pytest.mark.parametrize("count", [1, 7, 100, 5_000])
def test_a_percentile_estimate_is_within_one_bucket_of_the_exact_value(
    distribution: Callable[[random.Random, int], list[float]], count: int
) -> None:
    samples = distribution(random.Random(count), count)
    aggregate = aggregate_of(samples)

    for q in QUANTILES:
        estimate = aggregate.rt_percentile(q)
        exact = exact_percentile(samples, q)
        assert estimate is not None
        assert estimate == pytest.approx(exact, rel=BUCKET_RATIO - 1), f"p{q}"


def test_estimates_are_clamped_to_the_seen_minimum_and_maximum() -> None:
    aggregate = aggregate_of([100.0] * 50)

    assert [aggregate.rt_percentile(q) for q in (0, 50, 99, 100)] == [100.0] * 4


def test_the_zeroth_percentile_is_the_minimum_and_the_hundredth_the_maximum() -> None:
    samples = lognormal(random.Random(5), 1_000)
    aggregate = aggregate_of(samples)

    assert aggregate.rt_percentile(0) == min(samples)
    assert aggregate.rt_percentile(100) == max(samples)


def test_percentiles_never_decrease_as_q_grows() -> None:
    aggregate = aggregate_of(bimodal(random.Random(6), 2_000))

    estimates = [aggregate.rt_percentile(q) for q in range(101)]

    assert estimates == sorted(estimates)  # type: ignore[type-var]


# --- aggregates ---------------------------------------------------------------------


def test_an_aggregate_keeps_count_sum_min_max_and_average() -> None:
    aggregate = aggregate_of([120.0, 80.0, 400.0])

    assert (aggregate.count, aggregate.failures, aggregate.rt_count) == (3, 0, 3)
    assert (aggregate.rt_min, aggregate.rt_max) == (80.0, 400.0)
    assert aggregate.rt_sum == 600.0
    assert aggregate.rt_avg == 200.0
    assert sum(aggregate.histogram.values()) == 3


def test_failures_count_against_uptime_but_do_not_contribute_response_times() -> None:
    aggregate = aggregate_of([100.0])

    aggregate.add(up=False, response_time_ms=10_000.0)

    assert (aggregate.count, aggregate.failures, aggregate.rt_count) == (2, 1, 1)
    assert aggregate.rt_max == 100.0
    assert aggregate.rt_avg == 100.0
    assert aggregate.histogram == {bucket_index(100.0): 1}


def test_a_success_without_a_response_time_counts_only_towards_uptime() -> None:
    aggregate = Aggregate()

    aggregate.add(up=True, response_time_ms=None)

    assert (aggregate.count, aggregate.failures, aggregate.rt_count) == (1, 0, 0)
    assert aggregate.rt_avg is None
    assert aggregate.rt_percentile(50) is None
    assert aggregate.uptime_percent == 100.0


def test_uptime_is_the_share_of_successful_checks() -> None:
    aggregate = Aggregate()
    for up in [True] * 997 + [False] * 3:
        aggregate.add(up=up, response_time_ms=50.0)

    assert aggregate.uptime_percent == pytest.approx(99.7)


def test_uptime_of_no_checks_is_unknown_not_zero_or_a_hundred() -> None:
    assert Aggregate().uptime_percent is None


def random_checks(
    rng: random.Random, minutes: int
) -> list[tuple[int, datetime, bool, float | None]]:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    checks: list[tuple[int, datetime, bool, float | None]] = []
    for minute in range(minutes):
        due_at = start + timedelta(minutes=minute, seconds=rng.uniform(0, 59.9))
        up = rng.random() > 0.02
        checks.append((1, due_at, up, rng.lognormvariate(math.log(150), 0.7) if up else None))
    return checks


def assert_same_aggregate(merged: Aggregate, direct: Aggregate) -> None:
    assert (merged.count, merged.failures, merged.rt_count) == (
        direct.count,
        direct.failures,
        direct.rt_count,
    )
    assert (merged.rt_min, merged.rt_max) == (direct.rt_min, direct.rt_max)
    assert merged.rt_sum == pytest.approx(direct.rt_sum)
    assert merged.histogram == direct.histogram
    assert merged.uptime_percent == direct.uptime_percent
    for q in QUANTILES:
        assert merged.rt_percentile(q) == direct.rt_percentile(q)


def test_merging_minute_aggregates_gives_the_same_stats_as_aggregating_every_check() -> None:
    """This is what lets 90-day stats come from rollup rows instead of raw checks."""
    checks = random_checks(random.Random(8), minutes=3 * 1440)
    direct = Aggregate()
    for _, _, up, response_time_ms in checks:
        direct.add(up=up, response_time_ms=response_time_ms)

    per_minute = aggregate_checks(checks, "minute")

    assert len(per_minute) == 3 * 1440
    assert_same_aggregate(merge_all(per_minute.values()), direct)


def test_merging_in_stages_gives_the_same_stats_as_merging_at_once() -> None:
    checks = random_checks(random.Random(9), minutes=2 * 1440)
    per_minute = aggregate_checks(checks, "minute")
    per_hour: dict[datetime, Aggregate] = {}
    for (_, start), aggregate in per_minute.items():
        per_hour.setdefault(bucket_start(start, "hour"), Aggregate()).merge(aggregate)

    assert len(per_hour) == 48
    assert_same_aggregate(merge_all(per_hour.values()), merge_all(per_minute.values()))


def test_merging_an_empty_aggregate_changes_nothing() -> None:
    aggregate = aggregate_of([10.0, 20.0])
    before = replace(aggregate, histogram=dict(aggregate.histogram))

    aggregate.merge(Aggregate())

    assert aggregate == before


def test_merging_into_an_empty_aggregate_copies_the_other() -> None:
    other = aggregate_of([10.0, 20.0])
    other.add(up=False, response_time_ms=None)

    merged = merge_all([other])

    assert merged == other
    assert merged.histogram is not other.histogram


def test_merging_nothing_gives_an_empty_aggregate() -> None:
    assert merge_all([]) == Aggregate()


# --- time buckets -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resolution", "expected"),
    [
        ("minute", datetime(2024, 3, 10, 13, 47, tzinfo=UTC)),
        ("hour", datetime(2024, 3, 10, 13, tzinfo=UTC)),
        ("day", datetime(2024, 3, 10, tzinfo=UTC)),
    ],
)
def test_a_moment_falls_in_the_minute_hour_or_day_that_contains_it(
    resolution: Resolution, expected: datetime
) -> None:
    start = bucket_start(NOW, resolution)

    assert start == expected
    assert start <= NOW < start + BUCKET_LENGTH[resolution]


@pytest.mark.parametrize("resolution", ["minute", "hour", "day"])
def test_a_bucket_start_is_its_own_bucket_start(resolution: Resolution) -> None:
    start = bucket_start(NOW, resolution)

    assert bucket_start(start, resolution) == start


def test_a_moment_given_in_another_time_zone_falls_in_its_utc_bucket() -> None:
    """bucket_start promises UTC buckets: 13:47:59 UTC is the same moment as 19:17:59+05:30."""
    india = NOW.astimezone(timezone(timedelta(hours=5, minutes=30)))

    starts = {resolution: bucket_start(india, resolution) for resolution in RESOLUTIONS}

    assert starts == {resolution: bucket_start(NOW, resolution) for resolution in RESOLUTIONS}


@pytest.mark.parametrize(
    ("window", "resolution", "buckets"),
    [("24h", "hour", 24), ("7d", "hour", 168), ("30d", "day", 30), ("90d", "day", 90)],
)
def test_a_window_covers_whole_buckets_including_the_current_one(
    window: str, resolution: Resolution, buckets: int
) -> None:
    first = WINDOWS[window].first_bucket(NOW)

    assert WINDOWS[window].resolution == resolution
    current = bucket_start(NOW, resolution)
    assert first == bucket_start(first, resolution)
    assert (current - first) / BUCKET_LENGTH[resolution] + 1 == buckets


def test_the_24h_window_starts_23_hours_before_the_current_hour() -> None:
    assert WINDOWS["24h"].first_bucket(NOW) == datetime(2024, 3, 9, 14, tzinfo=UTC)


def test_the_90d_window_starts_89_days_before_today() -> None:
    assert WINDOWS["90d"].first_bucket(NOW) == datetime(2023, 12, 12, tzinfo=UTC)


# --- grouping checks ----------------------------------------------------------------


def test_checks_are_grouped_by_monitor_and_the_bucket_of_their_due_time() -> None:
    minute = datetime(2024, 3, 10, 13, 47, tzinfo=UTC)
    checks = [
        (1, minute + timedelta(seconds=5), True, 100.0),
        (1, minute + timedelta(seconds=59, microseconds=999999), False, None),
        (1, minute + timedelta(minutes=1), True, 300.0),
        (2, minute + timedelta(seconds=5), True, 200.0),
    ]

    buckets = aggregate_checks(checks, "minute")

    assert set(buckets) == {(1, minute), (1, minute + timedelta(minutes=1)), (2, minute)}
    assert (buckets[1, minute].count, buckets[1, minute].failures) == (2, 1)
    assert buckets[1, minute].rt_max == 100.0
    assert buckets[1, minute + timedelta(minutes=1)].rt_min == 300.0
    assert buckets[2, minute].rt_avg == 200.0


@pytest.mark.parametrize(("resolution", "groups"), [("minute", 3), ("hour", 2), ("day", 1)])
def test_checks_are_grouped_at_the_requested_resolution(
    resolution: Resolution, groups: int
) -> None:
    due_times = [
        datetime(2024, 3, 10, 13, 59, 30, tzinfo=UTC),
        datetime(2024, 3, 10, 13, 59, 45, tzinfo=UTC),
        datetime(2024, 3, 10, 14, 0, 0, tzinfo=UTC),
        datetime(2024, 3, 10, 14, 1, 0, tzinfo=UTC),
    ]

    buckets = aggregate_checks([(1, due, True, 10.0) for due in due_times], resolution)

    assert len(buckets) == groups
    assert sum(aggregate.count for aggregate in buckets.values()) == 4


def test_no_checks_give_no_buckets() -> None:
    assert aggregate_checks([], "hour") == {}


def test_aggregating_every_resolution_in_one_pass_gives_exactly_what_each_pass_gives() -> None:
    # Several checks a bucket, out of order, down ones, ones without a response time, and
    # sums of floats whose last bit depends on the order they are added in.
    rng = random.Random(19)
    start = datetime(2026, 12, 5, 23, 58, tzinfo=UTC)
    rows = [
        (
            rng.randint(1, 4),
            start + timedelta(seconds=rng.uniform(0, 400)),
            rng.random() > 0.2,
            None if rng.random() < 0.1 else rng.uniform(0.1, 5000) / 3,
        )
        for _ in range(500)
    ]
    together = aggregate_checks_by_resolution(rows)
    assert list(together) == list(RESOLUTIONS)
    for resolution in RESOLUTIONS:
        assert together[resolution] == aggregate_checks(rows, resolution)
    assert len(together["day"]) > 4  # the rows cross midnight
