#!/usr/bin/env bash
# `callq flatten` checked with the real tool: DuckDB (its Python package, from PyPI) reads the
# Parquet files, the Hive partitions, the CSV and the NDJSON that flatten writes, and its
# count(*), per-label count/min/max/mean of three metrics and quality counts must equal
# `callq analyze --by label --format json` on the same inputs (tools/flatten_check.py), on the
# bundled corpus and on a generated 50 MB archive with re-sent records (half of its sessions are
# dropped copies). 
# Needs python3 with pip; installs duckdb unless present; cleans up its temporary files.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
if ! python3 -c 'import duckdb' 2>/dev/null; then
  python3 -m pip install --quiet duckdb 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages duckdb
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The debug binary `cargo test` built (fast enough for 50 MB, and no release build to wait for).
cargo build --quiet --bin callq
callq=target/debug/callq
python3 tools/flatten_check.py "$callq" "$work/corpus" corpus/
"$callq" gen --size 25MB --seed 11 --versions 2 -o "$work/archive.ndjson" 2>/dev/null
python3 tools/flatten_check.py "$callq" "$work/archive" "$work/archive.ndjson"
echo "duckdb.sh took $((SECONDS - started)) s"
