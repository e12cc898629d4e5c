#!/usr/bin/env bash
# callq on Apache Spark, for real: PySpark in local mode (local[2]) runs
# integrations/spark/callq_spark.py over a generated archive split into 50 files (with a bad
# line), with a tree merge, and the merged JSON report must be byte-identical to
# `callq analyze` over the same files, and the merged HTML report to `callq report`. Installs a headless Java runtime (Debian's) and PySpark
# (PyPI) only if missing; everything else lives in a temporary directory removed at the end.
# About 1-2 minutes on the 2-core VM once installed (plus the release build if not yet done).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

if ! command -v java >/dev/null 2>&1; then
  echo "== installing a headless Java runtime (Debian)"
  sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null
fi
if ! python3 -c "import pyspark" >/dev/null 2>&1; then
  echo "== installing PySpark (PyPI)"
  python3 -m pip install --quiet pyspark
fi
java -version 2>&1 | head -1
python3 -c "import pyspark; print('pyspark', pyspark.__version__)"

cargo build --release --quiet --bin callq
callq="$PWD/target/release/callq"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export SPARK_LOCAL_DIRS="$tmp/spark"   # Spark's scratch files, removed with the rest
mkdir -p "$tmp/in" "$SPARK_LOCAL_DIRS"
"$callq" gen --seed 16 --size 20MB -o "$tmp/all.ndjson" 2>/dev/null
(cd "$tmp/in" && split -n l/50 -d -a 2 --additional-suffix=.ndjson ../all.ndjson part-)
echo 'not json: a bad line, listed with its file and line in both reports' >> "$tmp/in/part-17.ndjson"
[ "$(ls "$tmp/in" | wc -l)" -eq 50 ]

for by in direction,label day,caller.platform; do
  "$callq" analyze --no-progress --format json --by "$by" "$tmp"/in/*.ndjson > "$tmp/local.json" 2>/dev/null
  # 8 tasks, then a tree merge of fan-in 3 (8 partials -> 3 -> the report).
  (cd "$tmp" && python3 "$OLDPWD/integrations/spark/callq_spark.py" --master 'local[2]' \
      --callq "$callq" --output "$tmp/spark.json" --format json --tasks 8 --fan-in 3 \
      "$tmp/in/*.ndjson" -- --by "$by") 2> "$tmp/spark.log" \
    || { tail -30 "$tmp/spark.log"; echo "the Spark job failed" >&2; exit 1; }
  if ! cmp -s "$tmp/local.json" "$tmp/spark.json"; then
    diff <(head -c 3000 "$tmp/local.json") <(head -c 3000 "$tmp/spark.json") | head -20
    echo "--by $by: the Spark report differs from callq analyze over the same files" >&2
    exit 1
  fi
  echo "--by $by: the Spark job's report is byte-identical to callq analyze ($(wc -c < "$tmp/spark.json") bytes)"
done
# The HTML report: tasks run `callq report --format partial`, the driver `merge --format html`.
"$callq" report --no-progress --by-time week -o "$tmp/local.html" "$tmp"/in/*.ndjson 2>/dev/null
(cd "$tmp" && python3 "$OLDPWD/integrations/spark/callq_spark.py" --master 'local[2]' \
    --callq "$callq" --output "$tmp/spark.html" --format html --tasks 8 --fan-in 3 \
    "$tmp/in/*.ndjson" -- --by-time week) 2> "$tmp/spark.log" \
  || { tail -30 "$tmp/spark.log"; echo "the Spark job (--format html) failed" >&2; exit 1; }
if ! cmp -s "$tmp/local.html" "$tmp/spark.html"; then
  echo "--format html: the Spark report differs from callq report over the same files" >&2
  exit 1
fi
echo "--format html: the Spark job's HTML is byte-identical to callq report ($(wc -c < "$tmp/spark.html") bytes)"
echo "== spark.sh took $((SECONDS - started)) s"
