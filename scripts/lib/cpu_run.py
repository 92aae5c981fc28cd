#!/usr/bin/env python3
"""Run one benchmark command and add the CPU it cost to the JSON line(s) it prints.

    cpu_run.py [--services DIR] [--tree NAME=PID]... [--field KEY=VALUE]... -- CMD ARG...

CPU seconds (user + system) are counted for:
- `bench`: CMD and every process under it, from getrusage(RUSAGE_CHILDREN). This
  wrapper makes itself a child subreaper, so a grandchild that outlives its parent
  (BullMQ's forked latency worker) is reparented here, reaped here, and still counted;
- each `--tree NAME=PID`: that process and all its descendants, read from /proc before
  and after the command. A process's cutime/cstime hold its reaped children, so a
  PostgreSQL backend that exits during the run is counted once, through the postmaster;
- `--services DIR` (a `scripts/services` state dir) adds `redis` and `postgres` trees.

Every stdout line of CMD that is a JSON object gets `cpu_s`, `wall_s`, `loadavg_1m` (at
the start: this machine is shared) and the `--field`s; other lines pass through. The exit
status is CMD's.
"""

import argparse
import ctypes
import json
import os
import resource
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")
PR_SET_CHILD_SUBREAPER = 36
# Orphans (of CMD) that are still running are waited for this long, no longer.
ORPHAN_WAIT_S = 10.0
# After CMD exits, its PostgreSQL backends need a moment to notice and exit.
SETTLE_S = 0.3


def stat(pid):
    """(ppid, cpu seconds of the process and its reaped children), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after its end.
    fields = text[text.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return int(fields[1]), (utime + stime + cutime + cstime) / TICK


def tree_cpu(root):
    """CPU seconds of `root` and all processes whose parent chain reaches it."""
    procs = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            s = stat(int(entry))
            if s is not None:
                procs[int(entry)] = s
    children = {}
    for pid, (ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [root] if root in procs else []
    while todo:
        pid = todo.pop()
        total += procs[pid][1]
        todo.extend(children.get(pid, []))
    return total


def services_trees(state):
    """Redis and PostgreSQL pids of a `scripts/services` instance (its file layout)."""
    trees = {}
    try:
        with open(os.path.join(state, "redis.pid")) as f:
            trees["redis"] = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        print(f"cpu_run: no redis pid under {state}", file=sys.stderr)
    pgdir = os.path.join(state, "pg")
    try:
        with open(os.path.join(state, "pgdir")) as f:
            pgdir = f.read().strip()  # a short /tmp path when the state path is too long
    except OSError:
        pass
    try:
        with open(os.path.join(pgdir, "data", "postmaster.pid")) as f:
            trees["postgres"] = int(f.readline())
    except (OSError, ValueError):
        print(f"cpu_run: no postmaster pid under {pgdir}", file=sys.stderr)
    return trees


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def reap_orphans():
    """Reaps what CMD left running (reparented here), waiting at most ORPHAN_WAIT_S."""
    deadline = time.monotonic() + ORPHAN_WAIT_S
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return True
        if pid == 0:
            if time.monotonic() > deadline:
                print("cpu_run: orphans still running; their CPU is not counted", file=sys.stderr)
                return False
            time.sleep(0.05)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--services", help="a scripts/services state dir (target/services/NAME)")
    p.add_argument("--tree", action="append", default=[], metavar="NAME=PID")
    p.add_argument("--field", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    a = p.parse_args()
    if a.cmd[:1] == ["--"]:
        a.cmd = a.cmd[1:]
    if not a.cmd:
        p.error("no command")
    trees = services_trees(a.services) if a.services else {}
    trees.update({k: int(v) for k, v in (t.split("=", 1) for t in a.tree)})
    fields = dict(f.split("=", 1) for f in a.field)
    return a.cmd, trees, {k: number_or_text(v) for k, v in fields.items()}


def number_or_text(v):
    try:
        return int(v)
    except ValueError:
        return v


def main():
    cmd, trees, fields = parse_args()
    libc = ctypes.CDLL(None, use_errno=True)
    subreaper = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    load = os.getloadavg()[0]
    before = {name: tree_cpu(pid) for name, pid in trees.items()}
    own_before = children_cpu()
    t0 = time.monotonic()
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    lines = []
    for line in child.stdout:
        if line.lstrip().startswith("{"):
            lines.append(line)  # completed with the CPU figures once CMD is done
        else:
            sys.stdout.write(line)
            sys.stdout.flush()
    rc = child.wait()
    wall = time.monotonic() - t0
    complete = reap_orphans() and subreaper
    time.sleep(SETTLE_S)
    cpu = {"bench": round(children_cpu() - own_before, 3)}
    cpu.update({name: round(tree_cpu(pid) - before[name], 3) for name, pid in trees.items()})
    extra = {"cpu_s": cpu, "cpu_bench_complete": complete, "wall_s": round(wall, 3),
             "loadavg_1m": load, **fields}
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            sys.stdout.write(line)
            continue
        if isinstance(record, dict):
            record.update(extra)
        print(json.dumps(record), flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
