"""The multi-step API check (`kind: multistep`): the steps' requests in order, each judged
like an http monitor (its expected_status and assertions), variables extracted from one
step's answer and used in the next ones.

Every request goes through the HTTP probe's own connection machinery, so each step is
timed phase by phase and the target policy (the SSRF guard) judges the address of every
step, after DNS. The first failure ends the check: later steps are recorded as skipped.
The monitor's timeout covers the whole check. Secret variables are masked in all the
check reports (domain.multistep.mask).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from betteruptime.domain.messages import CheckJob, CheckResult, Step, Timings
from betteruptime.domain.multistep import (
    StepFailed,
    extract_value,
    mask,
    masked_details,
    masked_facts,
    step_detail,
    step_label,
    step_request,
)
from betteruptime.domain.verdicts import response_time_failure
from betteruptime.probes.http import HttpProbe
from betteruptime.probes.http_response import judge_response
from betteruptime.probes.results import guarded, make_result


class _Run:
    """What one check has gathered so far: variables, secrets, the steps' details."""

    def __init__(self, timeout: float) -> None:
        self.deadline = time.perf_counter() + timeout
        self.values: dict[str, str] = {}
        self.secrets: list[str] = []
        self.details: list[dict[str, Any]] = []
        self.error: str | None = None
        self.total_ms = 0.0
        self.status_code: int | None = None


class MultistepProbe:
    """Runs multistep jobs with `http`'s requests; closing is left to `http`'s owner."""

    def __init__(self, http: HttpProbe) -> None:
        self._http = http

    async def close(self) -> None:
        """Nothing of its own to release."""

    async def check(self, job: CheckJob) -> CheckResult:
        """Run every step until one fails. Never raises (except on cancellation)."""
        run = _Run(job.spec.timeout_seconds)
        return await guarded(
            job,
            lambda checked_at: self._run(job, checked_at, run),
            redact=lambda text: mask(text, run.secrets) or "",
        )

    async def _run(self, job: CheckJob, checked_at: datetime, run: _Run) -> CheckResult:
        spec = job.spec
        if not spec.steps:
            raise StepFailed("a multistep monitor has no steps")
        for index, step in enumerate(spec.steps):
            if run.error is not None:
                run.details.append(step_detail(step, up=None))
                continue
            await self._step(job, index, step, run)
        slow = response_time_failure(spec, run.total_ms)
        if run.error is None and slow is not None:
            run.error = slow
        result = make_result(
            job,
            checked_at,
            up=run.error is None,
            response_time_ms=round(run.total_ms, 3),
            status_code=run.status_code,
            error=mask(run.error, run.secrets),
            timings=Timings(total_ms=round(run.total_ms, 3)),
        )
        return result.model_copy(update={"details": masked_details(run.details, run.secrets)})

    async def _step(self, job: CheckJob, index: int, step: Step, run: _Run) -> None:
        """Run one step: its request, its judgement, its extractions."""
        remaining = run.deadline - time.perf_counter()
        failures: list[str] = []
        timings: Timings | None = None
        status: int | None = None
        if remaining <= 0:
            failures.append(f"not started: the check's {job.spec.timeout_seconds:g} s were used up")
        else:
            try:
                request = step_request(job.spec, step, run.values, timeout=remaining)
            except StepFailed as failed:
                failures.append(str(failed))
            else:
                exchange = await self._http.exchange(request, job.region)
                timings, response = exchange.timings, exchange.response
                run.total_ms += timings.total_ms or 0.0
                if response is None:
                    failures.append(exchange.error or "no response")
                else:
                    status = run.status_code = response.status
                    facts = response.facts(timings.total_ms or 0.0)
                    judged = masked_facts(facts, run.secrets)
                    failures += await judge_response(request, judged)
                    if not failures:
                        failures += self._extract(step, facts, run)
        error = "; ".join(failures) or None
        if error is not None:
            run.error = f"{step_label(index, step)}: {error}"
        run.details.append(
            step_detail(step, up=error is None, status_code=status, timings=timings, error=error)
        )

    @staticmethod
    def _extract(step: Step, facts: Any, run: _Run) -> list[str]:
        failures = []
        for name, rule in step.extract.items():
            try:
                value = extract_value(rule, facts)
            except StepFailed as failed:
                failures.append(f"extract {name}: {failed}")
                continue
            run.values[name] = value
            if rule.secret:
                run.secrets.append(value)
        return failures
