"""Cost per check against the machine's own limit, in pure functions (tests/bench).

Every figure is CPU µs per check stored in the window: each role's CPU in the window
(its processes added up by kind: worker-1 and worker-2 are "worker") and each engine's
(PostgreSQL, RabbitMQ, Redis: their process trees), divided by the rows the ingester
wrote in that same window. The reference is the bare client's CPU µs per request
(bench/bare_client.py) measured in the same run against the same target, so the ratios
hold on any CPU: the worker at most `WORKER_GOAL` times the reference, the whole
pipeline (roles and engines, the target excluded) at most `PIPELINE_GOAL` times.
"""

from __future__ import annotations

from typing import Any

WORKER_GOAL = 4.0
PIPELINE_GOAL = 10.0


def per_check(
    roles_cpu_s: dict[str, float],
    engines_cpu_s: dict[str, float],
    stored: int,
    reference_us: float,
    own_backends_cpu_s: float = 0.0,
) -> dict[str, Any]:
    """µs per stored check by role kind and engine, their total, and the two ratios to
    the reference (None when nothing was stored or there is no reference). Also, as a
    figure apart (already inside PostgreSQL's), what the backends of the run's own
    database spent: on a machine shared with other work, the engine's process tree
    counts the others' queries too."""
    kinds: dict[str, float] = {}
    for name, cpu in roles_cpu_s.items():
        kind = name.split("-")[0]
        kinds[kind] = kinds.get(kind, 0.0) + cpu
    scale = 1e6 / stored if stored > 0 else 0.0
    roles_us = {kind: cpu * scale for kind, cpu in kinds.items()}
    engines_us = {engine: cpu * scale for engine, cpu in engines_cpu_s.items()}
    total_us = sum(roles_us.values()) + sum(engines_us.values())
    usable = stored > 0 and reference_us > 0
    return {
        "stored_checks": stored,
        "reference_us_per_request": reference_us,
        "roles_us": roles_us,
        "engines_us": engines_us,
        "pipeline_us": total_us,
        "postgresql_own_backends_us": own_backends_cpu_s * scale,
        "worker_ratio": roles_us.get("worker", 0.0) / reference_us if usable else None,
        "pipeline_ratio": total_us / reference_us if usable else None,
    }


def ratio_text(ratio: float | None, goal: float) -> str:
    """'12.5x (goal <= 4x)', or why there is none."""
    shown = "none (nothing stored or no reference)" if ratio is None else f"{ratio:.1f}x"
    return f"{shown} (goal <= {goal:g}x)"


def met(ratio: float | None, goal: float) -> bool | None:
    return None if ratio is None else ratio <= goal
