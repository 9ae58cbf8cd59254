"""The quorum rule (domain/quorum.py): which regions a due time waits for, when it fails,
and the warnings a monitor carries while a region of it has no live worker."""

from __future__ import annotations

import pytest

from betteruptime.domain.quorum import (
    RegionReport,
    awaited_regions,
    judge,
    region_warnings,
)


def failed(region: str) -> RegionReport:
    return RegionReport(region, up=False, error="HTTP 503")


def passed(region: str) -> RegionReport:
    return RegionReport(region, up=True)


def test_a_due_time_waits_only_for_regions_with_a_live_worker() -> None:
    assert awaited_regions(["default", "eu"], live={"default", "us"}) == ["default"]
    assert awaited_regions(["default", "eu"], live={"default", "eu"}) == ["default", "eu"]


def test_with_no_region_live_a_due_time_waits_for_all_of_them() -> None:
    assert awaited_regions(["eu", "us"], live=set()) == ["eu", "us"]
    assert awaited_regions(["ping"], live={"default"}) == ["ping"]  # a heartbeat's


def test_by_default_one_failing_region_of_two_live_ones_leaves_it_up() -> None:
    verdict = judge([failed("eu"), passed("us")], region_count=2, min_failed=None, awaited=2)

    assert verdict.up and verdict.failing_regions == ("eu",)


def test_by_default_the_only_live_region_failing_takes_it_down() -> None:
    # ["default", "eu"] with no eu worker: the majority is of the regions awaited.
    verdict = judge([failed("default")], region_count=2, min_failed=None, awaited=1)

    assert not verdict.up
    assert verdict.cause == "default: HTTP 503"  # still named: the monitor has two regions


def test_by_default_a_live_region_that_reported_too_late_does_not_hide_an_outage() -> None:
    verdict = judge([failed("eu")], region_count=2, min_failed=None, awaited=2)

    assert not verdict.up


@pytest.mark.parametrize("awaited", [1, 2])
def test_min_failed_regions_is_never_lowered_by_a_region_that_did_not_report(
    awaited: int,
) -> None:
    # One region absent (awaited 1), or late (awaited 2): one failure is not two.
    verdict = judge([failed("default")], region_count=2, min_failed=2, awaited=awaited)

    assert verdict.up and verdict.failing_regions == ("default",)


def test_min_failed_regions_reached_takes_it_down() -> None:
    reports = [failed("eu"), failed("us"), passed("ap")]

    verdict = judge(reports, region_count=3, min_failed=2, awaited=3)

    assert not verdict.up and verdict.cause == "eu: HTTP 503; us: HTTP 503"


def test_a_single_region_monitor_keeps_the_plain_cause() -> None:
    verdict = judge([failed("default")], region_count=1, min_failed=None)

    assert (verdict.up, verdict.cause) == (False, "HTTP 503")


def test_a_region_without_a_live_worker_is_a_warning() -> None:
    warnings = region_warnings("http", ["default", "eu", "us"], live={"default"}, min_failed=None)

    assert warnings == ["no live worker in eu", "no live worker in us"]


def test_a_min_failed_regions_that_can_no_longer_be_reached_is_a_warning() -> None:
    warnings = region_warnings("http", ["default", "eu"], live={"default"}, min_failed=2)

    assert warnings == [
        "no live worker in eu",
        "cannot go down: min_failed_regions is 2 and only 1 of its regions has a live worker",
    ]


def test_nothing_to_warn_about_when_every_region_is_live_or_for_a_heartbeat() -> None:
    assert region_warnings("tcp", ["eu", "us"], live={"eu", "us"}, min_failed=2) == []
    assert region_warnings("heartbeat", ["eu"], live=set(), min_failed=None) == []
    assert region_warnings("http", [], live={"default"}, min_failed=None) == []
