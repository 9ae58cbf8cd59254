"""Cost per stored check against the bare client of the same run (bench/cost.py)."""

from __future__ import annotations

import pytest
from bench.cost import PIPELINE_GOAL, WORKER_GOAL, met, per_check, ratio_text


def test_roles_of_one_kind_add_up_and_every_cost_is_per_stored_check() -> None:
    figures = per_check(
        {"worker-1": 0.3, "worker-2": 0.3, "ingester": 0.42, "scheduler": 0.07},
        {"postgresql": 0.29, "rabbitmq": 0.05, "redis": 0.0},
        1000,
        48.0,
        0.2,
    )
    assert figures["roles_us"] == pytest.approx(
        {"worker": 600.0, "ingester": 420.0, "scheduler": 70.0}
    )
    assert figures["engines_us"]["postgresql"] == pytest.approx(290.0)
    assert figures["pipeline_us"] == pytest.approx(1430.0)  # the own backends are inside
    assert figures["postgresql_own_backends_us"] == pytest.approx(200.0)
    assert figures["worker_ratio"] == pytest.approx(12.5)
    assert figures["pipeline_ratio"] == pytest.approx(1430 / 48)
    assert met(figures["worker_ratio"], WORKER_GOAL) is False
    assert met(3.9, WORKER_GOAL) is True
    assert ratio_text(figures["worker_ratio"], WORKER_GOAL) == "12.5x (goal <= 4x)"


def test_nothing_stored_or_no_reference_gives_no_ratio_rather_than_a_flattering_one() -> None:
    for stored, reference in ((0, 48.0), (1000, 0.0)):
        figures = per_check({"worker-1": 1.0}, {}, stored, reference)
        assert figures["worker_ratio"] is None and figures["pipeline_ratio"] is None
        assert met(figures["pipeline_ratio"], PIPELINE_GOAL) is None
    assert ratio_text(None, PIPELINE_GOAL).startswith("none")
