#!/usr/bin/env bash
# Instructions, not seconds: a yardstick for the analyze hot path that a noisy VM does not move.
#
#   tools/icount.sh CORPUS [MB]
#
# Takes the whole lines of CORPUS's first MB megabytes (default 20), then counts with
# callgrind the instructions of `callq analyze --threads 1 --format json --by direction,label`
# and of the two typed programs of examples/typed_baseline.rs (sonic-rs, serde_json), and
# prints instructions per byte and how many times fewer callq executes. Same counts on every
# run of the same binaries; wall time on the 2-core VMs this project measures on moves by
# 10-30% between runs (BENCHMARKS.md), so a change of a few percent shows here first.
# Instructions are not time: callq's instructions per cycle are lower than sonic-rs's, so
# wall-time ratios (BENCHMARKS.md) are smaller than these.
#
# Needs valgrind (apt-get install valgrind).
set -euo pipefail
corpus=${1:?usage: tools/icount.sh CORPUS [MB]}
mb=${2:-20}
command -v valgrind >/dev/null || { echo "icount: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin callq --example typed_baseline
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
slice=$work/slice.ndjson
# The first MB megabytes, cut back to the last whole line.
head -c "$((mb * 1000000))" "$corpus" | head -n -1 >"$slice"
bytes=$(wc -c <"$slice")
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        sed -n 's/.*refs: *\([0-9,]*\).*/\1/p' | tr -d ,
}
callq=$(count target/release/callq analyze --threads 1 --format json --by direction,label "$slice")
sonic=$(count target/release/examples/typed_baseline sonic "$slice")
serde=$(count target/release/examples/typed_baseline serde "$slice")
printf '%s: %s bytes (first %s MB, whole lines)\n' "$corpus" "$bytes" "$mb"
printf '%-28s %15s %10s %8s\n' program instructions 'per byte' 'callq x'
row() { printf '%-28s %15s %10.2f %8.2f\n' "$1" "$2" "$(echo "$2 / $bytes" | bc -l)" "$(echo "$2 / $callq" | bc -l)"; }
row "callq analyze" "$callq"
row "sonic-rs typed (e2e)" "$sonic"
row "serde_json typed (e2e)" "$serde"
