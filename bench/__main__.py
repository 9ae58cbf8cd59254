"""`python -m bench <name> [options]`: run one benchmark, print its table, write its JSON."""

from __future__ import annotations

import sys

BENCHMARKS = {
    "pipeline": "bench.pipeline",
    "alerts": "bench.alerts",
    "pings": "bench.pings",
    "dashboard": "bench.dashboard",
    "probes": "bench.probes",
    "embedded": "bench.embedded",
    "api_latency": "bench.api_latency",
    "ingest": "bench.ingest",
    "bare_client": "bench.bare_client",
    "suite": "bench.suite",
    "browser": "bench.browser",
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in BENCHMARKS:
        print(f"usage: python -m bench {{{'|'.join(BENCHMARKS)}}} [options]", file=sys.stderr)
        sys.exit(2)
    module = __import__(BENCHMARKS[sys.argv[1]], fromlist=["main"])
    module.main(sys.argv[2:])


main()
