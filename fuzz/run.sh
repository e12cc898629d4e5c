#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each, one at a time, at the lowest priority.
#   fuzz/run.sh 600            # ten minutes per target, AddressSanitizer on
#   SANITIZER=none fuzz/run.sh 60
# Seeds (fuzz/seeds/<target>, committed) are copied into the working corpus
# (fuzz/corpus/<target>, gitignored) first; crashes land in fuzz/artifacts/<target>/.
set -euo pipefail
SECONDS_EACH=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
cd "$(dirname "$0")"
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(line reader duration differential writers sequence partial scanner)
SAN=${SANITIZER:-address}
export RUSTC_BOOTSTRAP=1  # cargo-fuzz passes -Zsanitizer; stable rustc needs this for it
for t in "${TARGETS[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  cp -n seeds/"$t"/* "corpus/$t/" 2>/dev/null || true
  echo "== $t: ${SECONDS_EACH}s" >&2
  # `sequence` runs the splitter on a thread of its own for inputs over a few chunks; glibc's
  # registration of that thread's TLS destructors (32 bytes, freed at thread exit) is reported
  # by LeakSanitizer as a leak. AddressSanitizer's memory-error checks stay on.
  extra=()
  [ "$t" = sequence ] && extra=(-detect_leaks=0)
  nice -n 19 cargo fuzz run -s "$SAN" "$t" "corpus/$t" -- "${extra[@]}" \
    -dict=callq.dict -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
    -artifact_prefix="artifacts/$t/" 2>&1 | tee "artifacts/$t.log" | grep -E '^(#[0-9]+ +(DONE|INITED)|==|SUMMARY|stat::)' || true
done
