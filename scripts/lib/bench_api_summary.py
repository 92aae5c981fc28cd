#!/usr/bin/env python3
"""`make bench-api`'s summary: the medians of the rounds per endpoint, as a markdown table.

    bench_api_summary.py target/bench/api.jsonl

Reads the JSON lines of `scripts/bench-api` (wrk's figures from bench/api.lua, tagged by
`scripts/lib/cpu_run.py` with `round`, `run` and the CPU seconds of each process) and
prints, per endpoint, the median over rounds of: requests/s, its share of `/health`'s
requests/s in the same round, p50 and p99 latency, and the CPU milliseconds per 1,000
requests of execora, PostgreSQL, Redis and wrk. Refused or failed requests are counted,
not hidden: a run with any is flagged.
"""

import json
import statistics
import sys

PROCESSES = ("execora", "postgres", "redis", "bench")


def load(path):
    """{run: [record per round]} in first-seen order."""
    runs = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                r = json.loads(line)
                runs.setdefault(r["run"], []).append(r)
    return runs


def health_share(runs, record):
    """requests/s of `record` over /health's in the same round, or None."""
    for h in runs.get("health", []):
        if h.get("round") == record.get("round") and h["rps"] > 0:
            return record["rps"] / h["rps"]
    return None


def cpu_per_k(record, process):
    cpu = record.get("cpu_s", {}).get(process)
    if cpu is None or not record.get("requests"):
        return None
    return cpu * 1000.0 / record["requests"] * 1000.0  # ms per 1,000 requests


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, spec):
    return "—" if v is None else format(v, spec)


def main(path):
    runs = load(path)
    print("| endpoint | req/s | of /health | p50 ms | p99 ms | execora | PostgreSQL | Redis | wrk | refused/failed |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, records in runs.items():
        share = median([health_share(runs, r) for r in records])
        cpu = [fmt(median([cpu_per_k(r, p) for r in records]), ".0f") for p in PROCESSES]
        bad = sum(r.get("non2xx", 0) + r.get("socket_errors", 0) for r in records)
        print(
            f"| {name} | {fmt(median([r['rps'] for r in records]), ',.0f')}"
            f" | {fmt(None if share is None else share * 100, '.0f')}%"
            f" | {fmt(median([r['p50_ms'] for r in records]), '.2f')}"
            f" | {fmt(median([r['p99_ms'] for r in records]), '.2f')}"
            f" | {' | '.join(cpu)} | {bad} |"
        )
    rounds = max((len(r) for r in runs.values()), default=0)
    print()
    print(f"Medians of {rounds} round(s); CPU in milliseconds per 1,000 requests.")


if __name__ == "__main__":
    main(sys.argv[1])
