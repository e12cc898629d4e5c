#!/usr/bin/env python3
"""Checks `callq flatten` with DuckDB against `callq analyze` on the same inputs.

usage: flatten_check.py CALLQ WORKDIR INPUT...

Writes Parquet (one file, and Hive layouts by day and by month), CSV and NDJSON, then checks
with DuckDB (the Python package):
  - DuckDB reads every Parquet file and the Hive partitions (hive_partitioning);
  - count(*) equals the analyze report's input.streams, for every output;
  - per label: count, min, max and mean of averageJitter, averageRoundTripTime and
    averagePacketLossRate equal `callq analyze --by label --format json` (mean within 1e-9
    relative; count/min/max exact);
  - per label, the counts of `quality` equal the report's good/poor/unclassified;
  - the Parquet column types are the contract's; the CSV read with those types;
  - the bytes are the same with --threads 1 and 2.
Exits 1 with a message on the first failure.
"""

import json
import math
import os
import subprocess
import sys

import duckdb

CALLQ, WORK, INPUTS = sys.argv[1], sys.argv[2], sys.argv[3:]
METRICS = ["averageJitter", "averageRoundTripTime", "averagePacketLossRate"]
DURATIONS = {
    "averageAudioNetworkJitter", "averageFreezeDuration", "averageJitter",
    "averageRoundTripTime", "maxAudioNetworkJitter", "maxJitter", "maxRoundTripTime",
    "rmsFreezeDuration",
}
RATIOS = {
    "averagePacketLossRate", "averageRatioOfConcealedSamples", "averageVideoPacketLossRate",
    "lowFrameRateRatio", "lowVideoProcessingCapabilityRatio", "maxPacketLossRate",
    "maxRatioOfConcealedSamples", "postForwardErrorCorrectionPacketLossRate",
    "averageVideoFrameLossPercentage", "averageReceivedFrameRate", "averageVideoFrameRate",
    "averageAudioDegradation",
}
INTS = {"averageBandwidthEstimate", "packetUtilization"}
ENDPOINT = ["Kind", "Platform", "ProductFamily", "UserId", "UserDisplayName", "ConnectionType",
            "Subnet", "IpAddress", "WifiBand", "CaptureDevice", "RenderDevice"]

# The contract's column types, as DuckDB names them.
EXPECTED = {c: "VARCHAR" for c in
            ["recordId", "sessionId", "segmentId", "streamId", "label", "direction",
             "quality", "quality2020"]}
EXPECTED["recordVersion"] = "BIGINT"
for c in ["sessionStart", "sessionEnd", "segmentStart", "segmentEnd"]:
    EXPECTED[c] = "TIMESTAMP WITH TIME ZONE"
for side in ["caller", "callee"]:
    for f in ENDPOINT:
        EXPECTED[side + f] = "VARCHAR"
for m in DURATIONS | RATIOS:
    EXPECTED[m] = "DOUBLE"
for m in INTS:
    EXPECTED[m] = "BIGINT"
EXPECTED["poorDueTo"] = "VARCHAR[]"
EXPECTED["poorDueTo2020"] = "VARCHAR[]"
assert len([m for m in EXPECTED if m in DURATIONS | RATIOS | INTS]) == 22


def fail(msg):
    print(f"flatten_check: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def callq(*args):
    """Runs callq; exit 0, or 2 when an input is unreadable (reported, skipped)."""
    r = subprocess.run([CALLQ, *args], capture_output=True)
    if r.returncode not in (0, 2):
        fail(f"callq {' '.join(args)} exited {r.returncode}: {r.stderr.decode()[-2000:]}")
    return r.stdout


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))


os.makedirs(WORK, exist_ok=True)
report = json.loads(callq("analyze", "--by", "label", "--format", "json", *INPUTS))
streams = report["input"]["streams"]
groups = {g["key"]["label"]: g for g in report["groups"]}

out = {}
for fmt in ["parquet", "csv", "ndjson"]:
    out[fmt] = os.path.join(WORK, f"rows.{fmt}")
    callq("flatten", "--threads", "2", "-o", out[fmt], *INPUTS)
    again = os.path.join(WORK, f"rows-1.{fmt}")
    callq("flatten", "--threads", "1", "-o", again, *INPUTS)
    if open(out[fmt], "rb").read() != open(again, "rb").read():
        fail(f"{fmt}: --threads 1 and 2 wrote different bytes")
    os.remove(again)
lakes = {}
for by in ["day", "month"]:
    lakes[by] = os.path.join(WORK, f"lake-{by}")
    callq("flatten", "--output-dir", lakes[by], "--partition-by", by, *INPUTS)

db = duckdb.connect()
types = {r[0]: r[1] for r in db.sql(f"DESCRIBE SELECT * FROM '{out['parquet']}'").fetchall()}
for col, want in EXPECTED.items():
    if types.get(col) != want:
        fail(f"parquet column {col}: type {types.get(col)}, the contract says {want}")
csv_types = {c: t for c, t in types.items()}
sources = {
    "parquet": f"read_parquet('{out['parquet']}')",
    "csv": f"read_csv('{out['csv']}', header=true, columns={json.dumps(csv_types)})".replace(
        '"', "'"),
    "ndjson": f"read_json('{out['ndjson']}', format='newline_delimited', "
              f"columns={json.dumps(types)})".replace('"', "'"),
}
for by, lake in lakes.items():
    parts = [d for d in os.listdir(lake) if d.startswith(by + "=")]
    if not parts and streams:
        fail(f"{lake}: no {by}= partitions")
    sources[f"lake-{by}"] = (
        f"read_parquet('{lake}/**/*.parquet', hive_partitioning=true)")
    # Every file alone too.
    for d in parts:
        for f in os.listdir(os.path.join(lake, d)):
            db.sql(f"SELECT count(*) FROM '{os.path.join(lake, d, f)}'").fetchall()
    if by in types:
        fail(f"partition column {by} collides with a column")

for name, src in sources.items():
    n = db.sql(f"SELECT count(*) FROM {src}").fetchall()[0][0]
    if n != streams:
        fail(f"{name}: count(*) = {n}, the report's streams = {streams}")
    for m in METRICS:
        rows = db.sql(
            f"SELECT label, count({m}), min({m}), max({m}), avg({m}) FROM {src} GROUP BY label"
        ).fetchall()
        seen = set()
        for label, cnt, lo, hi, mean in rows:
            seen.add(label)
            g = groups.get(label)
            if g is None:
                fail(f"{name}: label {label!r} is not in the report")
            s = g["metrics"][m]
            if cnt != s["count"] or not close(lo, s["min"]) or lo != s["min"] \
                    or hi != s["max"] or not close(mean, s["mean"]):
                fail(f"{name}: {m} of {label!r}: duckdb count/min/max/mean "
                     f"{cnt}/{lo}/{hi}/{mean}, report {s['count']}/{s['min']}/{s['max']}/"
                     f"{s['mean']}")
        if streams and seen != set(groups):
            fail(f"{name}: labels {sorted(map(str, seen))} vs report {sorted(map(str, groups))}")
    rows = db.sql(f"SELECT label, quality, count(*) FROM {src} GROUP BY ALL").fetchall()
    q = {}
    for label, quality, cnt in rows:
        q.setdefault(label, {})[quality] = cnt
    for label, g in groups.items():
        got = q.get(label, {})
        want = {k: g["quality"][k] for k in ["good", "poor", "unclassified"] if g["quality"][k]}
        if got != want:
            fail(f"{name}: quality of {label!r}: {got}, report {want}")
    print(f"flatten_check: {name}: {n} rows, metrics and quality per label as analyze reports")
print(f"flatten_check: OK ({', '.join(INPUTS)})")
