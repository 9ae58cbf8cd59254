"""The probes benchmark's measuring helpers (bench/probe_worker.py)."""

from __future__ import annotations

from bench.probe_worker import machine_busy_seconds, parse_probe

EXPORTER_ANSWER = b"""\
# HELP probe_duration_seconds Returns how long the probe took to complete in seconds
# TYPE probe_duration_seconds gauge
probe_duration_seconds 0.002315
probe_http_status_code 200
# HELP probe_success Displays whether or not the probe was a success
# TYPE probe_success gauge
probe_success 1
"""


def test_it_reads_success_and_duration_from_the_exporters_metrics() -> None:
    assert parse_probe(EXPORTER_ANSWER) == (True, 0.002315)


def test_it_counts_a_failed_probe_as_failed() -> None:
    assert parse_probe(EXPORTER_ANSWER.replace(b"probe_success 1", b"probe_success 0"))[0] is False


def test_it_reads_the_machines_busy_cpu_from_proc() -> None:
    assert machine_busy_seconds() > 0
