#!/usr/bin/env bash
# Regenerates fuzz/seeds/ from the bundled corpus and tests/integration/duration.rs (run from anywhere).
set -euo pipefail
cd "$(dirname "$0")/.."
S=fuzz/seeds
find "$S" -type f ! -name "hand-*" -delete 2>/dev/null || true; mkdir -p "$S"/{line,reader,duration,differential,writers}

# line and differential: JSONTestSuite's parsing files (except the two of 100 KB and more),
# each line of the Graph example pages, and the first 8 lines of the sample corpus.
for f in corpus/JSONTestSuite/test_parsing/*.json; do
  [ "$(stat -c %s "$f")" -lt 50000 ] || continue
  for t in line differential; do cp "$f" "$S/$t/jts-$(basename "$f" .json)"; done
done
n=0; while IFS= read -r l; do n=$((n+1)); for t in line differential; do printf '%s' "$l" > "$S/$t/pages-$n"; done; done < corpus/graph-examples/pages.ndjson
n=0; while IFS= read -r l; do n=$((n+1)); for t in line differential; do printf '%s' "$l" > "$S/$t/edge-$n"; done; done < corpus/graph-examples/pages-edge-cases.ndjson
n=0; head -n 8 corpus/sample.ndjson | while IFS= read -r l; do n=$((n+1)); for t in line differential; do printf '%s' "$l" > "$S/$t/sample-$n"; done; done

# reader: whole files, and small ones with CRLF, blanks, a BOM, a final line without LF.
cp corpus/graph-examples/pages.ndjson "$S/reader/pages.ndjson"
cp corpus/graph-examples/pages-edge-cases.ndjson "$S/reader/pages-edge-cases.ndjson"
head -n 6 corpus/sample.ndjson > "$S/reader/sample-head.ndjson"
cat corpus/JSONTestSuite/test_parsing/y_*.json | head -c 8000 > "$S/reader/jts-y-concatenated" || true
cat corpus/JSONTestSuite/test_parsing/n_*.json | head -c 8000 > "$S/reader/jts-n-concatenated" || true
printf '\xEF\xBB\xBF{"value":[]}\r\n \t\r\n\n{"sessions":null}\r\n{}\n{"value":[{"segments":[{"media":[{"streams":[{"averageJitter":"PT0.016S"}]}]}]}]}' > "$S/reader/mixed-small"
printf '\n\n\r\n' > "$S/reader/blank-only"
printf '{"value":[' > "$S/reader/truncated"

# duration: every string of the table in tests/integration/duration.rs, plus canonical extremes.
python3 - "$S/duration" <<'PY'
import json, re, sys
src = open("tests/integration/duration.rs", encoding="utf-8").read()
table = src[src.index("const TABLE"):src.index("];", src.index("const TABLE"))]
for k, m in enumerate(re.finditer(r'\(\s*("(?:[^"\\]|\\.)*")\s*,\s*(?:Ok|Err)', table)):
    s = json.loads(m.group(1))
    open(f"{sys.argv[1]}/table-{k:03}", "wb").write(s.encode())
PY

# Hand-written differential seeds (the disagreements checked in checks.rs) are kept in
# fuzz/seeds/differential/hand-*: this script does not delete them.
# The writers seeds are all hand-written (fuzz/seeds/writers/hand-*: labels, file names and
# values that try to take over a terminal or a spreadsheet), kept the same way.
