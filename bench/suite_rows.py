"""The suite's table rows: figure, value, target, met? (bench/suite.py builds the table)."""

from __future__ import annotations

import os
from typing import Any

from bench import cost
from bench.roles import STOP_WITHIN

LAG_TARGET_MS = 1000.0

Row = tuple[str, str, str, str]  # figure, value, target, met


def met(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "no")


def lag(figures: dict[str, Any]) -> str:
    return (
        f"{figures['lag_p50_ms']:,.0f} / {figures['lag_p99_ms']:,.0f} / "
        f"{figures['lag_max_ms']:,.0f} ms"
    )


def usage(cpu: float, window: float, rss: float) -> str:
    return f"{cpu:,.1f} CPU s in {window:g} s ({cpu / window:.2f} cores), peak {rss:,.0f} MB"


def throughput_rows(name: str, figures: dict[str, Any], *, is_target: bool) -> list[Row]:
    """checks/s, lag, missed, steadiness and ingest rows shared by both modes. A window
    whose lag or backlog grew (bench/honesty.py) is not met, whatever else it shows."""
    expected = figures["expected_per_s"]
    steady = not figures["unsteady_reasons"]
    holds = figures["not_stored_percent"] < 0.1 and figures["worker_missed"] == 0 and steady
    lag_ok = figures["lag_p99_ms"] < LAG_TARGET_MS and steady
    return [
        (
            f"{name}: checks/s sustained (due and stored in the window)",
            f"{figures['checks_per_s']:,.0f} of {expected:,.0f} due "
            f"({figures['machine_cores_busy']:.1f} of {os.cpu_count()} cores busy)",
            f"{expected:,.0f}" if is_target else "—",
            met(holds if is_target else None),
        ),
        (
            f"{name}: lag p50 / p99 / max",
            lag(figures) if figures["checks_per_s"] else "none stored by the end",
            "p99 < 1 s" if is_target else "—",
            met(lag_ok if is_target else None),
        ),
        (
            f"{name}: lag p99 first → last third, backlog at the end",
            f"{figures['lag_p99_first_third_ms']:,.0f} → "
            f"{figures['lag_p99_last_third_ms']:,.0f} ms, {figures['backlog_at_end']:,} checks: "
            f"{figures['steady']}",
            "steady" if is_target else "—",
            met(steady if is_target else None),
        ),
        (
            f"{name}: missed",
            f"{figures['not_stored_percent']:.2f} % not stored by the window's end, "
            f"{figures['not_stored_after_settling_percent']:.2f} % after settling "
            f"({figures['worker_missed']:,.0f} dropped late by workers)",
            "0" if is_target else "—",
            met(holds if is_target else None),
        ),
        (
            f"{name}: worker checks/s, ingest rows/s (in the window)",
            f"{figures['worker_checks_per_s']:,.0f}, {figures['ingest_rows_per_s']:,.0f}",
            "—",
            "—",
        ),
    ]


def cost_rows(name: str, figures: dict[str, Any], *, judged: bool) -> list[Row]:
    """CPU µs per stored check by role and engine, against the bare client of the run;
    `judged`: whether to say met or not (a smoke run's small load is mostly fixed costs)."""
    per_check = figures["cpu_us_per_stored_check"]
    reference = figures["bare_client"]
    parts = {**per_check["roles_us"], **per_check["engines_us"]}
    return [
        (
            f"{name}: bare client (reference), CPU µs a request",
            f"{reference['cpu_us_per_request']:,.1f} ({reference['requests_per_s']:,.0f} "
            f"requests/s on one core, fresh connection each)",
            "—",
            "—",
        ),
        (
            f"{name}: CPU µs per stored check",
            ", ".join(f"{part} {us:,.0f}" for part, us in parts.items())
            + f"; all {per_check['pipeline_us']:,.0f} (of PostgreSQL's, this run's database's"
            f" backends {per_check['postgresql_own_backends_us']:,.0f})",
            "—",
            "—",
        ),
        (
            f"{name}: worker ÷ bare client",
            cost.ratio_text(per_check["worker_ratio"], cost.WORKER_GOAL),
            f"<= {cost.WORKER_GOAL:g}x",
            met(cost.met(per_check["worker_ratio"], cost.WORKER_GOAL) if judged else None),
        ),
        (
            f"{name}: pipeline (roles + engines) ÷ bare client",
            cost.ratio_text(per_check["pipeline_ratio"], cost.PIPELINE_GOAL),
            f"<= {cost.PIPELINE_GOAL:g}x",
            met(cost.met(per_check["pipeline_ratio"], cost.PIPELINE_GOAL) if judged else None),
        ),
    ]


def shutdown_row(name: str, stopped: dict[str, str]) -> Row:
    """Whether SIGTERM stopped every role in time (draining what it held)."""
    killed = {role: how for role, how in stopped.items() if not how.startswith("exit code 0")}
    value = "; ".join(f"{role} {how}" for role, how in killed.items()) or "every role exited 0"
    return (f"{name}: stop on SIGTERM", value, f"within {STOP_WITHIN:g} s", met(not killed))
