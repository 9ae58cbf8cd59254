"""The schedule plan is pure: a fake clock is just a number passed to upsert and pop_due."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from betteruptime.domain.messages import ProbeSpec
from betteruptime.domain.scheduling import first_due
from betteruptime.scheduler.plan import DueCheck, SchedulePlan

NOW = 1_800_000_000.0
V1 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
V2 = datetime(2024, 3, 1, 12, 5, tzinfo=UTC)


def spec(monitor_id: int, url: str = "http://x") -> ProbeSpec:
    return ProbeSpec(monitor_id=monitor_id, url=url)


def plan_with(
    *monitor_ids: int, interval: int = 60, now: float = NOW, regions: tuple[str, ...] = ("eu",)
) -> SchedulePlan:
    plan = SchedulePlan()
    for monitor_id in monitor_ids:
        plan.upsert(
            spec(monitor_id), interval_seconds=interval, regions=regions, version=V1, now=now
        )
    return plan


def due_of(monitor_id: int, interval: int = 60, now: float = NOW) -> float:
    return first_due(now, monitor_id=monitor_id, interval_seconds=interval)


def dues(checks: list[DueCheck]) -> list[tuple[int, float]]:
    return [(check.spec.monitor_id, check.due) for check in checks]


# --- contents -----------------------------------------------------------------------


def test_an_empty_plan_has_nothing_due() -> None:
    plan = SchedulePlan()

    assert len(plan) == 0
    assert plan.next_due() is None
    assert plan.pop_due(NOW + 10**6) == []


def test_the_plan_knows_its_monitors_and_their_versions() -> None:
    plan = plan_with(1, 2)
    plan.upsert(spec(2), interval_seconds=60, regions=("eu",), version=V2, now=NOW)

    assert len(plan) == 2
    assert 1 in plan and 3 not in plan
    assert plan.ids() == {1, 2}
    assert (plan.version(1), plan.version(2), plan.version(3)) == (V1, V2, None)


def test_a_new_monitor_is_first_due_on_its_grid_point_at_or_after_now() -> None:
    plan = plan_with(7)

    assert plan.next_due() == due_of(7)
    assert NOW <= plan.next_due() < NOW + 60  # type: ignore[operator]


# --- popping ------------------------------------------------------------------------


def test_nothing_is_popped_before_it_is_due() -> None:
    plan = plan_with(7)

    assert plan.pop_due(due_of(7) - 0.001) == []


def test_a_due_monitor_is_popped_once_with_its_spec_regions_and_due_time() -> None:
    plan = plan_with(7, regions=("eu", "us"))
    due = due_of(7)

    checks = plan.pop_due(due + 0.5)

    assert checks == [DueCheck(spec(7), ("eu", "us"), due, 60)]
    assert plan.pop_due(due + 0.5) == []
    assert plan.pop_due(due + 59.9) == []


def test_popping_advances_a_monitor_by_exactly_one_interval() -> None:
    plan = plan_with(7)
    due = due_of(7)

    plan.pop_due(due + 3.7)

    assert plan.next_due() == due + 60
    assert dues(plan.pop_due(due + 60)) == [(7, due + 60)]


def test_due_monitors_are_popped_in_due_time_order() -> None:
    plan = plan_with(*range(1, 51))

    checks = plan.pop_due(NOW + 60)

    assert sorted(check.spec.monitor_id for check in checks) == list(range(1, 51))
    assert [check.due for check in checks] == sorted(due_of(i) for i in range(1, 51))


def test_a_thousand_monitors_get_exactly_ten_checks_each_in_ten_minutes_without_drift() -> None:
    plan = plan_with(*range(1, 1_001))
    popped: dict[int, list[float]] = defaultdict(list)

    for tick in range(1, 6_001):  # a fake clock stepping 0.1 s for 600 s
        now = NOW + tick / 10
        for check in plan.pop_due(now):
            assert now - 0.1 < check.due <= now  # popped on the tick it fell due
            popped[check.spec.monitor_id].append(check.due)

    assert set(popped) == set(range(1, 1_001))
    for monitor_id, due_times in popped.items():
        first = due_of(monitor_id)
        assert due_times == [first + n * 60 for n in range(10)]
    assert plan.skipped == 0


# --- edits --------------------------------------------------------------------------


def test_an_edit_that_keeps_the_interval_keeps_the_grid() -> None:
    plan = plan_with(7)
    due = due_of(7)
    plan.pop_due(due)  # next due is now due + 60

    plan.upsert(
        spec(7, "http://edited"), interval_seconds=60, regions=("us",), version=V2, now=due + 17
    )

    assert plan.next_due() == due + 60
    checks = plan.pop_due(due + 60)
    assert dues(checks) == [(7, due + 60)]
    assert (checks[0].spec.url, checks[0].regions) == ("http://edited", ("us",))
    assert plan.version(7) == V2


def test_an_edit_that_changes_the_interval_moves_the_monitor_to_its_new_grid() -> None:
    plan = plan_with(7)
    edited_at = NOW + 5

    plan.upsert(spec(7), interval_seconds=300, regions=("eu",), version=V2, now=edited_at)

    new_due = due_of(7, interval=300, now=edited_at)
    assert plan.next_due() == new_due
    popped = [check for t in range(1, 1_201) for check in plan.pop_due(NOW + t / 2)]
    assert [(c.due, c.interval_seconds) for c in popped] == [(new_due, 300), (new_due + 300, 300)]


def test_the_old_due_time_of_an_edited_monitor_fires_nothing() -> None:
    plan = plan_with(7)
    old_due = due_of(7)
    plan.upsert(spec(7), interval_seconds=3600, regions=("eu",), version=V2, now=NOW)
    assert old_due < due_of(7, interval=3600)

    assert plan.pop_due(old_due) == []


def test_repeated_edits_never_duplicate_a_check() -> None:
    plan = plan_with(7)
    for minute in range(20):
        plan.upsert(
            spec(7, f"http://x/{minute}"),
            interval_seconds=60,
            regions=("eu",),
            version=V2,
            now=NOW + minute / 10,
        )

    checks = plan.pop_due(due_of(7))

    assert dues(checks) == [(7, due_of(7))]
    assert checks[0].spec.url == "http://x/19"


# --- removal ------------------------------------------------------------------------


def test_a_removed_monitor_never_comes_back() -> None:
    plan = plan_with(7, 8)

    plan.remove(7)

    assert 7 not in plan
    popped = [check.spec.monitor_id for t in range(1, 601) for check in plan.pop_due(NOW + t)]
    assert set(popped) == {8}


def test_a_plan_whose_only_monitor_was_removed_has_nothing_due() -> None:
    plan = plan_with(7)
    plan.upsert(spec(7), interval_seconds=60, regions=("eu",), version=V2, now=NOW)

    plan.remove(7)

    assert plan.next_due() is None
    assert plan.pop_due(NOW + 10**6) == []


def test_removing_an_unknown_monitor_is_harmless() -> None:
    plan = plan_with(7)

    plan.remove(99)

    assert plan.ids() == {7}


def test_a_monitor_removed_and_added_again_is_checked_once_per_due_time() -> None:
    plan = plan_with(7)
    plan.remove(7)
    plan.upsert(spec(7), interval_seconds=60, regions=("eu",), version=V2, now=NOW + 1)

    popped = [check.due for t in range(1, 181) for check in plan.pop_due(NOW + t)]

    assert popped == sorted(set(popped))
    assert len(popped) == 3


# --- stalls -------------------------------------------------------------------------


def test_a_stall_skips_the_missed_due_times_and_counts_them() -> None:
    plan = plan_with(7)
    due = due_of(7)

    checks = plan.pop_due(due + 5 * 60 + 1.5)  # the scheduler was frozen for 5 intervals

    assert plan.skipped == 4
    # The check that was due when the stall began, then the grid point just passed;
    # the four in between are counted, never fired.
    assert dues(checks) == [(7, due), (7, due + 5 * 60)]
    assert plan.next_due() == due + 6 * 60


def test_skipped_counts_add_up_across_stalls() -> None:
    plan = plan_with(7)
    due = due_of(7)
    plan.pop_due(due)

    plan.pop_due(due + 60 + 10 * 60 + 30)  # 10.5 intervals frozen: 9 grid points missed
    plan.pop_due(due + 12 * 60 + 3 * 60 + 30)  # then 3.5 more: 2 missed

    assert plan.skipped == 9 + 2
    assert plan.next_due() == due + 16 * 60


def test_being_a_little_late_is_not_a_stall() -> None:
    plan = plan_with(7)
    due = due_of(7)

    for n in range(30):
        assert dues(plan.pop_due(due + n * 60 + 45)) == [(7, due + n * 60)]

    assert plan.skipped == 0


def test_the_jobs_due_while_no_scheduler_led_are_counted_per_region() -> None:
    published_until = NOW
    resumed = NOW + 10 * 60 + 1  # ten minutes without a leader
    plan = plan_with(7, 8, now=resumed, regions=("eu", "us"))

    # Each monitor had 10 grid points in the gap (one per minute), in two regions.
    assert plan.jobs_due_since(published_until + 1e-6) == 2 * 2 * 10
    assert plan.jobs_due_since(resumed) == 0


def test_a_stall_counts_its_skipped_jobs_in_every_region() -> None:
    plan = plan_with(7, regions=("eu", "us", "ap"))
    due = due_of(7)

    plan.pop_due(due + 5 * 60 + 1.5)

    assert plan.skipped == 4 * 3


# --- placing a long load's monitors after it -----------------------------------------


def test_monitors_upserted_without_a_time_wait_for_place() -> None:
    plan = SchedulePlan()
    for monitor_id in (1, 2, 3):
        plan.upsert(spec(monitor_id), interval_seconds=60, regions=("eu",), version=V1, now=None)
    plan.upsert(
        spec(2, "http://edited"), interval_seconds=60, regions=("eu",), version=V2, now=None
    )
    plan.remove(3)

    assert plan.next_due() is None
    assert plan.pop_due(NOW + 10**6) == []

    later = NOW + 45
    plan.place(later)
    checks = [c for t in range(0, 61) for c in plan.pop_due(later + t)]
    assert dues(checks) == sorted(
        [(1, due_of(1, now=later)), (2, due_of(2, now=later))], key=lambda d: d[1]
    )
    assert {c.spec.url for c in checks if c.spec.monitor_id == 2} == {"http://edited"}
    assert plan.skipped == 0


def test_an_edit_waiting_for_place_keeps_nothing_of_no_grid() -> None:
    """A monitor read twice in one load (edited meanwhile) is placed once, from `now`."""
    plan = SchedulePlan()
    plan.upsert(spec(7), interval_seconds=60, regions=("eu",), version=V1, now=None)
    plan.upsert(spec(7), interval_seconds=60, regions=("eu",), version=V2, now=None)
    plan.place(NOW)

    assert plan.next_due() == due_of(7)
    assert plan.pop_due(NOW - 1) == []


def test_specs_come_back_whole() -> None:
    full = ProbeSpec(
        monitor_id=9,
        kind="keyword",
        url="https://example.com/é",
        method="POST",
        headers={"X-A": "1"},
        body='{"a": [1, 2]}',
        expected_status=["200", "301-302"],
        keyword="ok",
        keyword_mode="absent",
        json_expected={"nested": [1, None, "x"]},
        tls_expiry_days=14,
    )
    plan = SchedulePlan()
    plan.upsert(full, interval_seconds=60, regions=("eu",), version=V1, now=NOW)

    assert [c.spec for c in plan.pop_due(NOW + 60)] == [full]
