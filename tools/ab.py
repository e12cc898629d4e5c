#!/usr/bin/env python3
"""Alternating A/B runs of two or more builds of a program on the same arguments.

    tools/ab.py [-n ROUNDS] PROGRAM_A PROGRAM_B [PROGRAM ...] -- ARGS...

Runs every program once per round with ARGS, in rotated order (A B C, B C A, ...) so that no
program always runs first, and prints per program the median and minimum wall time, CPU time
(user + system) and peak RSS, and the median of the paired wall differences against the first
program with the fraction of rounds it was faster. It also says whether every run of every
program printed the same standard output, byte for byte (the reports must not change), and
exits 1 when one did not or when a run failed.

Why: on the 2-vCPU VMs this project measures on, wall time moves by 10-30% between runs with
the neighbours' load (BENCHMARKS.md), so a change of a few percent shows only in medians of
many alternating rounds, and a single pair of runs proves nothing. Standard library only.
"""

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import time


def run(program, args):
    """One run: wall seconds, CPU seconds, peak RSS in MB, and a digest of standard output."""
    start = time.perf_counter()
    child = subprocess.Popen([program, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    digest = hashlib.sha256()
    for chunk in iter(lambda: child.stdout.read(1 << 16), b""):
        digest.update(chunk)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, digest.hexdigest(), code


def main():
    argv = sys.argv[1:]
    if "--" not in argv:
        sys.exit("usage: tools/ab.py [-n ROUNDS] PROGRAM_A PROGRAM_B [PROGRAM ...] -- ARGS...")
    split = argv.index("--")
    parser = argparse.ArgumentParser(prog="tools/ab.py")
    parser.add_argument("-n", "--rounds", type=int, default=12)
    parser.add_argument("programs", nargs="+")
    opts = parser.parse_args(argv[:split])
    args = argv[split + 1 :]
    if len(opts.programs) < 2:
        sys.exit("tools/ab.py: give at least two programs to compare")
    runs = {p: [] for p in opts.programs}
    for r in range(opts.rounds):
        order = opts.programs[r % len(opts.programs) :] + opts.programs[: r % len(opts.programs)]
        for p in order:
            runs[p].append(run(p, args))
    base = runs[opts.programs[0]]
    print(f"{opts.rounds} rounds of: {' '.join(args)}")
    print(f"{'program':32s} {'wall med':>9s} {'min':>7s} {'cpu med':>9s} {'min':>7s} {'rss MB':>13s} {'vs first (paired)':>22s}")
    for p, rs in runs.items():
        wall = [x[0] * 1000 for x in rs]
        cpu = [x[1] * 1000 for x in rs]
        rss = [x[2] for x in rs]
        diffs = [(x[0] - b[0]) * 1000 for x, b in zip(rs, base)]
        faster = sum(d < 0 for d in diffs)
        paired = "" if p == opts.programs[0] else f"{statistics.median(diffs):+7.0f} ms, {faster}/{len(rs)} faster"
        print(
            f"{p[-32:]:32s} {statistics.median(wall):7.0f}ms {min(wall):5.0f}ms "
            f"{statistics.median(cpu):7.0f}ms {min(cpu):5.0f}ms {min(rss):6.1f}-{max(rss):<6.1f} {paired:>22s}"
        )
    digests = {x[3] for rs in runs.values() for x in rs}
    codes = {x[4] for rs in runs.values() for x in rs}
    print("standard output:", "identical in every run" if len(digests) == 1 else f"DIFFERS ({len(digests)} versions)")
    if codes != {0}:
        print("exit statuses:", sorted(codes), "(a failing run measures nothing)")
    return 0 if len(digests) == 1 and codes == {0} else 1


if __name__ == "__main__":
    sys.exit(main())
