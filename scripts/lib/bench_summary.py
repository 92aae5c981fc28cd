#!/usr/bin/env python3
"""`make bench`'s summary: Execora beside BullMQ per round, as a markdown table.

    bench_summary.py target/bench/results.jsonl

Reads the JSON lines of `scripts/bench` (each tagged by `scripts/lib/cpu_run.py` with
`round` and `run`) and prints, per figure, each round's "Execora / BullMQ (ratio)" and the
median of the rounds' ratios. Ratios are Execora ÷ BullMQ, whichever way is better: above
1 is better for rates, below 1 is better for latencies and CPU.
"""

import json
import statistics
import sys

RATE, TIME = "higher is better", "lower is better"


def load(path):
    """{round: {run: record}}"""
    rounds = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            if "round" in r and "run" in r:
                rounds.setdefault(r["round"], {})[r["run"]] = r
    return dict(sorted(rounds.items()))


def dig(record, *path):
    for key in path:
        if not isinstance(record, dict) or record.get(key) is None:
            return None
        record = record[key]
    return record


def per_1000(record, *parts):
    """CPU seconds per 1,000 jobs of a run, summed over `parts` of its `cpu_s`."""
    cpu, n = dig(record, "cpu_s"), dig(record, "N")
    if not cpu or not n or any(p not in cpu for p in parts):
        return None
    return sum(cpu[p] for p in parts) / n * 1000


def fmt(v, unit):
    if v is None:
        return "–"
    if unit == "/s":
        return f"{v / 1000:.1f} k" if v >= 1000 else f"{v:.0f}"
    return f"{v:.2f}" if v < 100 else f"{v:.0f}"


def rows(rates):
    """(label, unit, sense, Execora getter, BullMQ getter); a getter takes a round's runs."""
    def get(run, *path):
        return lambda runs: dig(runs.get(run), *path)

    out = [
        ("drain of the backlog, jobs/s", "/s", RATE,
         get("execora-batch", "drain_jobs_per_s"), get("bullmq-bulk", "drain_jobs_per_s")),
        ("enqueue one at a time, 64 in flight, jobs/s (`enqueue` / `add`)", "/s", RATE,
         get("execora-single", "enqueue_jobs_per_s"), get("bullmq-add", "enqueue_jobs_per_s")),
        ("enqueue in batches of 1,000, jobs/s (`enqueue_many` / `addBulk`)", "/s", RATE,
         get("execora-batch", "enqueue_jobs_per_s"), get("bullmq-bulk", "enqueue_jobs_per_s")),
    ]
    for rate in rates:
        for p in ("p50", "p95", "p99", "max"):
            out.append((f"enqueue → start @ {rate}/s, {p}, ms (hi-res)", "ms", TIME,
                        get(f"execora-lat-{rate}", "hires_ms_add_to_start", p),
                        get(f"bullmq-lat-{rate}", "hires_ms_add_to_start", p)))
    cpu = lambda run, *parts: lambda runs: per_1000(runs.get(run), *parts)  # noqa: E731
    out += [
        ("CPU s per 1,000 jobs, drain run, all (process + Redis + PostgreSQL)", "s", TIME,
         cpu("execora-batch", "bench", "redis", "postgres"), cpu("bullmq-bulk", "bench", "redis")),
        ("… of which the process (Execora / node)", "s", TIME,
         cpu("execora-batch", "bench"), cpu("bullmq-bulk", "bench")),
        ("… of which Redis", "s", TIME, cpu("execora-batch", "redis"), cpu("bullmq-bulk", "redis")),
        ("… of which PostgreSQL", "s", TIME, cpu("execora-batch", "postgres"), lambda runs: None),
    ]
    return out


def cell(e, b, unit):
    if e is None and b is None:
        return "–", None
    ratio = e / b if e is not None and b else None
    text = f"{fmt(e, unit)} / {fmt(b, unit)}"
    return (f"{text} ({ratio:.2f}×)" if ratio is not None else text), ratio


def table(rounds, rates):
    names = list(rounds)
    head = ["figure (Execora / BullMQ)"] + [f"round {n}" for n in names] + ["median ratio"]
    lines = ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
    for label, unit, sense, execora, bullmq in rows(rates):
        cells, ratios = [], []
        for n in names:
            text, ratio = cell(execora(rounds[n]), bullmq(rounds[n]), unit)
            cells.append(text)
            if ratio is not None:
                ratios.append(ratio)
        median = f"**{statistics.median(ratios):.2f}×**" if ratios else "–"
        lines.append(f"| {label} ({sense}) | " + " | ".join(cells) + f" | {median} |")
    lines.append(ceiling_row(rounds, names))
    lines.append("| load average, 1 min, at the drain runs | " + " | ".join(
        f"{fmt(dig(rounds[n], 'execora-batch', 'loadavg_1m'), '')} / "
        f"{fmt(dig(rounds[n], 'bullmq-bulk', 'loadavg_1m'), '')}" for n in names) + " | |")
    return "\n".join(lines)


def ceiling_row(rounds, names):
    """The bare Streams drain, and Execora's drain as a share of it."""
    cells, shares = [], []
    for n in names:
        ceiling = dig(rounds[n], "streams", "drain_jobs_per_s")
        execora = dig(rounds[n], "execora-batch", "drain_jobs_per_s")
        share = execora / ceiling if ceiling and execora is not None else None
        if share is not None:
            shares.append(share)
        cells.append(fmt(ceiling, "/s") + (f" (Execora {share:.3f}×)" if share is not None else ""))
    median = f"**{statistics.median(shares):.3f}×**" if shares else "–"
    return ("| bare Redis Streams ceiling, drain jobs/s (Execora's share of it) | "
            + " | ".join(cells) + f" | {median} |")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "target/bench/results.jsonl"
    rounds = load(path)
    if not rounds:
        sys.exit(f"bench_summary: no tagged runs in {path}")
    rates = sorted({int(run.rsplit("-", 1)[1]) for runs in rounds.values()
                    for run in runs if run.startswith(("execora-lat-", "bullmq-lat-"))})
    print(table(rounds, rates))
    print()
    print("Ratios are Execora ÷ BullMQ. Latency is the hi-res figure (the clock read before the "
          "enqueue call → the handler's start, nearest-rank percentiles); both sides' "
          "record-clock figures are in the JSON lines. CPU is user + system time from /proc "
          "over each whole run (enqueue and drain) divided by its jobs.")


if __name__ == "__main__":
    main()
